package io.pgmux.junit5.internal;

import io.pgmux.junit5.PgMuxBackend;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/** The {@link PgMuxBackend @PgMuxBackend} fields of a test class and its superclasses. */
final class BackendFields {
  private BackendFields() {}

  /** Returns the backend fields of {@code testClass} by backend name. */
  static Map<String, Field> of(Class<?> testClass) {
    Map<String, Field> byName = new LinkedHashMap<>();
    for (Field field : annotated(testClass)) {
      String name = field.getAnnotation(PgMuxBackend.class).value();
      if (name.isBlank()) {
        throw new ExtensionConfigurationException(
            "pgmux: @PgMuxBackend on " + describe(field) + " has no name: write"
                + " @PgMuxBackend(\"tenant_a\") with the backend name its routes use");
      }
      Field other = byName.putIfAbsent(name, field);
      if (other != null) {
        throw new ExtensionConfigurationException(
            "pgmux: backend \"" + name + "\" is declared twice, by " + describe(other) + " and "
                + describe(field) + ": give each @PgMuxBackend field its own name");
      }
    }
    return byName;
  }

  static List<Field> annotated(Class<?> testClass) {
    return AnnotationSupport.findAnnotatedFields(
        testClass, PgMuxBackend.class, field -> true, HierarchyTraversalMode.TOP_DOWN);
  }

  static boolean isStatic(Field field) {
    return Modifier.isStatic(field.getModifiers());
  }

  /** Reads the field of {@code instance} ({@code null} for a static field). */
  static Object read(Field field, Object instance) {
    try {
      field.setAccessible(true);
      return field.get(instance);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExtensionConfigurationException(
          "pgmux: cannot read backend field " + describe(field) + ": " + e, e);
    }
  }

  static String describe(Field field) {
    return field.getDeclaringClass().getSimpleName() + "." + field.getName();
  }
}
