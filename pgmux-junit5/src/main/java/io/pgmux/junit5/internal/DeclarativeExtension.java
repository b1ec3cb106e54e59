package io.pgmux.junit5.internal;

import io.pgmux.junit5.PgMux;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.AfterEachCallback;
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
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

  /** Keys the proxy of one annotated class. */
  private record Key(Class<?> annotated) {}

  private final Lifecycle lifecycle = new Lifecycle(DeclarativeExtension::placement);

  @Override
  public void beforeAll(ExtensionContext context) {
    lifecycle.beforeAll(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    lifecycle.beforeEach(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    lifecycle.afterEach(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return lifecycle.supportsParameter(parameter);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return lifecycle.handle(context);
  }

  private static Lifecycle.Placement placement(ExtensionContext context) {
    Class<?> owner = owner(context.getRequiredTestClass());
    return new Lifecycle.Placement(
        Lifecycle.classContext(context, owner),
        new Key(owner),
        owner,
        () ->
            Setup.of(
                AnnotationSupport.findAnnotation(owner, PgMux.class).orElseThrow(), owner.getName()));
  }

  /** Returns the class whose @PgMux applies: the test class, or the nearest enclosing one. */
  private static Class<?> owner(Class<?> testClass) {
    for (Class<?> candidate = testClass; candidate != null; ) {
      if (AnnotationSupport.isAnnotated(candidate, PgMux.class)) {
        return candidate;
      }
      boolean inner = candidate.isMemberClass() && !Modifier.isStatic(candidate.getModifiers());
      candidate = inner ? candidate.getEnclosingClass() : null;
    }
    throw new ExtensionConfigurationException(
        "pgmux: " + testClass.getName() + " uses the @PgMux extension without a @PgMux"
            + " annotation: annotate the class with @PgMux, or register a PgMuxExtension");
  }
}
