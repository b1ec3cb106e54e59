package io.pgmux.junit5;

import io.pgmux.BackendConfig;
import io.pgmux.spi.BackendSource;

/**
 * Stands in for pgmux-testcontainers' source, which this module must not depend on: turns {@link
 * FakeContainer}s into backends, found through ServiceLoader as the real one is.
 */
public final class FakeContainerSource implements BackendSource {

  /** A database "container": running or not, at a port, with its own user and database. */
  record FakeContainer(boolean running, int port) {}

  @Override
  public BackendConfig backendFor(Object value) {
    if (!(value instanceof FakeContainer container)) {
      return null;
    }
    if (!container.running()) {
      throw new IllegalStateException("the container is not running: start it before the proxy");
    }
    return new BackendConfig("127.0.0.1", container.port(), "postgres", "template1");
  }
}
