package io.pgmux.junit5.internal;

import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxExtension;
import io.pgmux.junit5.PgMuxProxy;
import java.lang.reflect.Field;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * What {@code @PgMux} and {@code PgMuxExtension} share: where the running proxy is kept and how
 * it is found.
 *
 * <p>The proxy lives in the Store of the test class's context under a key naming its
 * configuration (the annotated class, or the extension instance). Stores look up their parents,
 * so {@code @Nested} classes find the enclosing class's proxy; JUnit closes it with the class.
 */
public final class Lifecycle {
  private static final Namespace NAMESPACE = Namespace.create("io.pgmux.junit5");

  private Lifecycle() {}

  /**
   * Returns the proxy stored under {@code key} in {@code context} or its ancestors, starting one
   * into {@code context}'s Store if there is none.
   */
  public static ProxyHolder holder(
      ExtensionContext context, Object key, Class<?> testClass, Supplier<Setup> setup) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(key, k -> ProxyHolder.start(setup.get(), testClass), ProxyHolder.class);
  }

  /** Returns whether {@code parameter} asks for the proxy: its type is exactly PgMuxProxy. */
  public static boolean wantsProxy(ParameterContext parameter) {
    return parameter.getParameter().getType() == PgMuxProxy.class;
  }

  /** Reads the instance backend fields of the current test's instances. */
  public static void beforeEach(ProxyHolder holder, ExtensionContext context) {
    List<Object> instances = context.getRequiredTestInstances().getAllInstances();
    holder.bindInstanceBackends(instances);
  }

  /**
   * Fails if {@code testClass}, which shares the proxy of {@code owner}, declares backend fields
   * of its own: the shared proxy was configured without them.
   */
  public static void checkNoOwnBackends(Class<?> testClass, Class<?> owner) {
    if (testClass == owner || owner.isAssignableFrom(testClass)) {
      return;
    }
    for (Field field : BackendFields.annotated(testClass)) {
      if (!field.getDeclaringClass().isAssignableFrom(owner)) {
        throw new ExtensionConfigurationException(
            "pgMux: @PgMuxBackend field " + BackendFields.describe(field) + " is in a @Nested"
                + " class, which shares the proxy of " + owner.getName() + ": move the field to "
                + owner.getSimpleName());
      }
    }
  }

  /** Fails if {@code testClass} is configured both ways, or has two PgMuxExtension fields. */
  public static void checkSingleConfiguration(Class<?> testClass) {
    List<Field> all =
        ReflectionSupport.findFields(
            testClass,
            field -> PgMuxExtension.class.isAssignableFrom(field.getType()),
            HierarchyTraversalMode.TOP_DOWN);
    boolean annotated = AnnotationSupport.isAnnotated(testClass, PgMux.class);
    if (annotated && !all.isEmpty()) {
      throw new ExtensionConfigurationException(
          "pgMux: " + testClass.getName() + " has both @PgMux and the PgMuxExtension field "
              + BackendFields.describe(all.get(0)) + ": configure the proxy in one place, the"
              + " annotation or the builder");
    }
    if (all.size() > 1) {
      throw new ExtensionConfigurationException(
          "pgMux: " + testClass.getName() + " has " + all.size() + " PgMuxExtension fields ("
              + BackendFields.describe(all.get(0)) + ", " + BackendFields.describe(all.get(1))
              + "): one proxy per class routes every user; put all routes in one builder");
    }
  }
}
