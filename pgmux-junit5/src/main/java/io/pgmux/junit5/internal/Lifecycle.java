package io.pgmux.junit5.internal;

import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxExtension;
import io.pgmux.junit5.PgMuxProxy;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The callbacks {@code @PgMux} and {@code PgMuxExtension} share: where the running proxy is kept,
 * how it is found, started and handed to tests. Each extension delegates to one instance, which
 * differs only in how it {@linkplain Placement places} the proxy.
 *
 * <p>The proxy lives in the Store of a test class's context under a key naming its configuration
 * (the annotated class, or the extension instance). Stores look up their parents, so {@code
 * @Nested} classes find the enclosing class's proxy; JUnit closes it with the class.
 */
public final class Lifecycle {
  private static final Namespace NAMESPACE = Namespace.create("io.pgmux.junit5");

  /**
   * Where one configuration's proxy lives.
   *
   * @param context the context whose Store keeps it
   * @param key its key in that Store
   * @param owner the class the configuration belongs to, whose backend fields it reads
   * @param setup reads the configuration, when the proxy starts
   */
  public record Placement(
      ExtensionContext context, Object key, Class<?> owner, Supplier<Setup> setup) {}

  private final Function<ExtensionContext, Placement> placement;

  /** Uses {@code placement} to find where the proxy of a context lives. */
  public Lifecycle(Function<ExtensionContext, Placement> placement) {
    this.placement = placement;
  }

  /** Checks the class's configuration and starts its proxy, unless an enclosing class did. */
  public void beforeAll(ExtensionContext context) {
    Placement place = placement.apply(context);
    Class<?> testClass = context.getRequiredTestClass();
    if (testClass == place.owner()) {
      checkSingleConfiguration(testClass);
      handle(place);
    } else {
      checkNoOwnBackends(testClass, place.owner());
      handle(place).beforeNestedClass();
    }
  }

  /**
   * Gives the test fresh databases if its class asks for them, reads the instance backend fields
   * of its instances and starts the test's session view; returns the proxy.
   */
  public ProxyHandle beforeEach(ExtensionContext context) {
    ProxyHandle handle = handle(placement.apply(context));
    handle.beforeTest();
    handle.bindInstanceBackends(context.getRequiredTestInstances().getAllInstances());
    handle.beginTest();
    return handle;
  }

  /** Puts the routes back as the test found them; returns the proxy, if it started. */
  public Optional<ProxyHandle> afterEach(ExtensionContext context) {
    Optional<ProxyHandle> handle = existing(context);
    handle.ifPresent(ProxyHandle::endTest);
    return handle;
  }

  /** Returns the proxy of {@code context} if it has started. */
  public Optional<ProxyHandle> existing(ExtensionContext context) {
    Placement place = placement.apply(context);
    return Optional.ofNullable(
        place.context().getStore(NAMESPACE).get(place.key(), ProxyHandle.class));
  }

  /** Returns whether {@code parameter} asks for the proxy: its type is exactly PgMuxProxy. */
  public boolean supportsParameter(ParameterContext parameter) {
    return parameter.getParameter().getType() == PgMuxProxy.class;
  }

  /** Returns the proxy of {@code context}, starting it if needed. */
  public ProxyHandle handle(ExtensionContext context) {
    return handle(placement.apply(context));
  }

  private static ProxyHandle handle(Placement place) {
    return place
        .context()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            place.key(), key -> ProxyHandle.start(place.setup().get(), place.owner()), ProxyHandle.class);
  }

  /** Returns the class-level context of {@code owner}, whose Store lives as long as the class. */
  public static ExtensionContext classContext(ExtensionContext context, Class<?> owner) {
    for (ExtensionContext current = context;
        current != null;
        current = current.getParent().orElse(null)) {
      if (current.getTestMethod().isEmpty() && current.getTestClass().orElse(null) == owner) {
        return current;
      }
    }
    return context;
  }

  /** Returns the outermost test class of {@code context}: the one {@code @Nested} classes share. */
  public static Class<?> outermostClass(ExtensionContext context) {
    Class<?> outermost = context.getRequiredTestClass();
    for (ExtensionContext current = context;
        current != null;
        current = current.getParent().orElse(null)) {
      outermost = current.getTestClass().orElse(outermost);
    }
    return outermost;
  }

  /**
   * Fails if {@code testClass}, which shares the proxy of {@code owner}, declares backend fields
   * of its own: the shared proxy was configured without them.
   */
  private static void checkNoOwnBackends(Class<?> testClass, Class<?> owner) {
    if (owner.isAssignableFrom(testClass)) {
      return;
    }
    for (Field field : BackendFields.annotated(testClass)) {
      if (!field.getDeclaringClass().isAssignableFrom(owner)) {
        throw new ExtensionConfigurationException(
            "pgmux: @PgMuxBackend field " + BackendFields.describe(field) + " is in a @Nested"
                + " class, which shares the proxy of " + owner.getName() + ": move the field to "
                + owner.getSimpleName());
      }
    }
  }

  /** Fails if {@code testClass} is configured both ways, or has two PgMuxExtension fields. */
  private static void checkSingleConfiguration(Class<?> testClass) {
    List<Field> all =
        ReflectionSupport.findFields(
            testClass,
            field -> PgMuxExtension.class.isAssignableFrom(field.getType()),
            HierarchyTraversalMode.TOP_DOWN);
    boolean annotated = AnnotationSupport.isAnnotated(testClass, PgMux.class);
    if (annotated && !all.isEmpty()) {
      throw new ExtensionConfigurationException(
          "pgmux: " + testClass.getName() + " has both @PgMux and the PgMuxExtension field "
              + BackendFields.describe(all.get(0)) + ": configure the proxy in one place, the"
              + " annotation or the builder");
    }
    if (all.size() > 1) {
      throw new ExtensionConfigurationException(
          "pgmux: " + testClass.getName() + " has " + all.size() + " PgMuxExtension fields ("
              + BackendFields.describe(all.get(0)) + ", " + BackendFields.describe(all.get(1))
              + "): one proxy per class routes every user; put all routes in one builder");
    }
  }
}
