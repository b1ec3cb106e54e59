package io.pgmux.testcontainers.internal;

import io.pgmux.BackendConfig;
import io.pgmux.spi.BackendSource;
import io.pgmux.testcontainers.ContainerBackends;
import org.testcontainers.containers.JdbcDatabaseContainer;

/** Lets {@code @PgMuxBackend} fields hold running database containers. */
public final class JdbcContainerBackendSource implements BackendSource {
  @Override
  public BackendConfig backendFor(Object value) {
    return value instanceof JdbcDatabaseContainer
        ? ContainerBackends.of((JdbcDatabaseContainer<?>) value)
        : null;
  }
}
