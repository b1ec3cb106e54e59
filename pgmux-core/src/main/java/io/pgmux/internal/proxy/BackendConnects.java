package io.pgmux.internal.proxy;

/**
 * Hears how long connecting to backends takes. The engine tells the configured {@link
 * io.pgmux.ProxyListener} when it also implements this interface, as the proxy's metrics do; it
 * is internal so that the public listener stays as it is.
 *
 * <p>Called on the I/O threads, concurrently for different sessions: must return quickly.
 */
public interface BackendConnects {
  /**
   * A session's TCP connection to its backend is up, {@code nanos} after connecting began (the
   * backend's login has not started yet).
   */
  void backendConnected(long nanos);
}
