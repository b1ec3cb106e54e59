package io.pgmux.junit5;

import io.pgmux.junit5.internal.Leftovers;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * Fails a test class that leaves pgMux threads, embedded servers or their processes running.
 * Register it before {@code @PgMux}: its check is stored first, so JUnit, which closes stored
 * values in reverse order, runs it after the proxy is closed.
 */
final class NoLeftovers implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    if (context.getParent().flatMap(ExtensionContext::getTestClass).isPresent()) {
      return; // nested classes: the outer class checks
    }
    context
        .getStore(Namespace.create(NoLeftovers.class))
        .put("check", (AutoCloseable) () -> Leftovers.awaitEmpty(10));
  }
}
