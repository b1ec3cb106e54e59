package io.pgmux;

/**
 * Decides which backend a client belongs to.
 *
 * <p>The proxy calls a router once per client connection, after reading the client's startup
 * message and before connecting to any backend. Calls happen on a pool of router threads, never
 * on the threads that move bytes, so a router may block (ask a service, read a file), and calls
 * for different clients may run at the same time: implementations must be thread-safe. A call
 * that takes longer than the proxy's route timeout is abandoned (and interrupted), and the client
 * is refused with SQLSTATE {@code 08004}.
 *
 * <p>Returning {@code null} refuses the client with SQLSTATE {@code 28000} ("no route"); throwing
 * refuses it with {@code 08004}. Neither message carries the exception's text to the client; the
 * proxy logs it.
 *
 * @see StaticRouter
 */
@FunctionalInterface
public interface Router {

  /**
   * Returns the backend for {@code request}, or {@code null} if the client has no route.
   *
   * @throws Exception if routing failed; the client is refused with SQLSTATE {@code 08004}
   */
  BackendConfig route(RouteRequest request) throws Exception;
}
