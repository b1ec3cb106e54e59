package io.pgmux.junit5.internal;

import io.pgmux.junit5.PgMux;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link PgMux @PgMux}. Stateless: JUnit may share one instance between
 * classes, so everything lives in the Store, keyed by the annotated class.
 */
public final class DeclarativeExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  /** Keys the proxy of one annotated class. */
  private record Key(Class<?> annotated) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    Class<?> owner = owner(testClass);
    if (owner == testClass) {
      Lifecycle.checkSingleConfiguration(testClass);
    } else {
      Lifecycle.checkNoOwnBackends(testClass, owner);
    }
    holder(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Lifecycle.beforeEach(holder(context), context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return Lifecycle.wantsProxy(parameter);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return holder(context);
  }

  private static ProxyHolder holder(ExtensionContext context) {
    Class<?> owner = owner(context.getRequiredTestClass());
    PgMux annotation = AnnotationSupport.findAnnotation(owner, PgMux.class).orElseThrow();
    return Lifecycle.holder(
        classContext(context, owner),
        new Key(owner),
        owner,
        () -> Setup.of(annotation, owner.getName()));
  }

  /** Returns the class whose @PgMux applies: the test class, or the nearest enclosing one. */
  static Class<?> owner(Class<?> testClass) {
    for (Class<?> candidate = testClass; candidate != null; ) {
      if (AnnotationSupport.isAnnotated(candidate, PgMux.class)) {
        return candidate;
      }
      boolean inner =
          candidate.isMemberClass() && !Modifier.isStatic(candidate.getModifiers());
      candidate = inner ? candidate.getEnclosingClass() : null;
    }
    throw new ExtensionConfigurationException(
        "pgMux: " + testClass.getName() + " uses the @PgMux extension without a @PgMux"
            + " annotation: annotate the class with @PgMux, or register a PgMuxExtension");
  }

  /** Returns the class-level context of {@code owner}, whose Store lives as long as the class. */
  private static ExtensionContext classContext(ExtensionContext context, Class<?> owner) {
    for (ExtensionContext current = context; current != null; current = current.getParent().orElse(null)) {
      if (current.getTestMethod().isEmpty() && current.getTestClass().orElse(null) == owner) {
        return current;
      }
    }
    return context;
  }
}
