/**
 * pgMux core: a PostgreSQL proxy that routes clients to backends by user name. Only the API
 * packages are exported; the engine in {@code io.pgmux.internal} stays out of reach.
 */
module io.pgmux {
  // The command line formats java.util.logging's console output; the proxy itself logs through
  // System.Logger.
  requires java.logging;
  // The opt-in Prometheus endpoint serves its text with the JDK's own HTTP server.
  requires jdk.httpserver;

  exports io.pgmux;
  exports io.pgmux.spi;
}
