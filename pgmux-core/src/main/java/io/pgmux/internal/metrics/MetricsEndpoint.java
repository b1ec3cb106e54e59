package io.pgmux.internal.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} over plain HTTP with the JDK's built-in server (module {@code
 * jdk.httpserver}), on one daemon thread: a scrape every few seconds needs no more, and a slow
 * scraper then cannot take threads from the proxy.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux");
  private static final String PATH = "/metrics";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code address} and serves what {@code scrape} returns.
   *
   * @param scrape the exposition text; it may throw {@link IllegalStateException} while the proxy
   *     is not running, which the endpoint answers with 503
   * @throws IOException if the address cannot be bound
   */
  public static MetricsEndpoint start(InetSocketAddress address, Supplier<String> scrape)
      throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "pgmux-metrics");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, scrape));
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  /** Returns the bound address, with the port chosen if 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Stops serving and frees the port; a scrape in progress is cut off. Returns once the server's
   * threads have ended (or after a bounded wait, logged).
   */
  @Override
  public void close() {
    server.stop(0); // joins the server's dispatcher thread
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.log(Level.WARNING, "pgmux: a metrics scrape did not end within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void handle(HttpExchange exchange, Supplier<String> scrape) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        respond(exchange, 404, "text/plain; charset=utf-8", "pgmux: metrics are at " + PATH + "\n");
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "pgmux: use GET\n");
        return;
      }
      String body;
      try {
        body = scrape.get();
      } catch (IllegalStateException e) {
        respond(exchange, 503, "text/plain; charset=utf-8", "pgmux: proxy is not running\n");
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "pgmux: writing metrics failed", e);
        respond(exchange, 500, "text/plain; charset=utf-8", "pgmux: writing metrics failed\n");
        return;
      }
      respond(exchange, 200, ProxyMetrics.CONTENT_TYPE, body);
    }
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
