package io.pgmux.spi;

import io.pgmux.BackendConfig;

/**
 * Turns objects of some type into backends, so integrations can route to things they do not
 * know: the JUnit extension asks every source found by {@link java.util.ServiceLoader} about the
 * fields a test marks as backends. pgmux-testcontainers registers one for running database
 * containers.
 *
 * <p>Implementations need a public no-argument constructor and must be thread-safe.
 */
public interface BackendSource {

  /**
   * Returns the backend that {@code value} stands for, or {@code null} if this source does not
   * handle its type.
   *
   * @throws IllegalStateException if this source handles the type but the value cannot serve now
   *     (a container that is not running, say); the message should say how to fix it
   */
  BackendConfig backendFor(Object value);
}
