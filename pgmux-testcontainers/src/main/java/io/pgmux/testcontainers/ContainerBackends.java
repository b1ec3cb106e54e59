package io.pgmux.testcontainers;

import io.pgmux.BackendConfig;
import java.util.List;
import java.util.Objects;
import org.testcontainers.containers.JdbcDatabaseContainer;

/**
 * Turns running database containers into backends for a {@link io.pgmux.ProxyServer} in the test's
 * own JVM: the container's host and mapped port, logged in as the container's user to its
 * database.
 *
 * <pre>{@code
 * var router = new StaticRouter()
 *     .put("alice", ContainerBackends.of(postgresA))
 *     .put("bob", ContainerBackends.of(postgresB));
 * }</pre>
 *
 * <p>Clients then log in with the container's password, whatever user name they route by. The
 * same conversion serves {@code @PgMuxBackend} fields holding containers, through the {@link
 * io.pgmux.spi.BackendSource} this module registers.
 */
public final class ContainerBackends {
  private ContainerBackends() {}

  /**
   * Returns the backend that {@code container} is now.
   *
   * @throws IllegalStateException if the container is not running: its mapped port is not known
   *     before it starts
   */
  public static BackendConfig of(JdbcDatabaseContainer<?> container) {
    Objects.requireNonNull(container, "container");
    if (!container.isRunning()) {
      throw new IllegalStateException(
          "pgmux: " + container.getClass().getSimpleName()
              + " is not running: start it first (or let @Testcontainers start it), since its"
              + " mapped port is only known then");
    }
    return new BackendConfig(
        container.getHost(),
        container.getMappedPort(internalPort(container)),
        container.getUsername(),
        container.getDatabaseName());
  }

  /** The port the database listens on inside the container: its first exposed port. */
  static int internalPort(JdbcDatabaseContainer<?> container) {
    List<Integer> ports = container.getExposedPorts();
    if (ports.isEmpty()) {
      throw new IllegalStateException(
          "pgmux: " + container.getClass().getSimpleName() + " exposes no port: nothing for pgMux to connect to");
    }
    return ports.get(0);
  }
}
