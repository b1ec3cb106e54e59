package io.pgmux.internal.server;

import io.pgmux.ProxyListener;
import io.pgmux.ProxyStats;
import io.pgmux.Router;
import io.pgmux.internal.metrics.MetricsEndpoint;
import io.pgmux.internal.metrics.ProxyMetrics;
import io.pgmux.internal.proxy.ProxyEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/** A started proxy: its engine and, when metrics are on, the endpoint that serves them. */
public final class RunningServer {
  private final ProxyEngine engine;
  private final MetricsEndpoint metrics;

  private RunningServer(ProxyEngine engine, MetricsEndpoint metrics) {
    this.engine = engine;
    this.metrics = metrics;
  }

  /**
   * Starts the metrics endpoint, if configured, then the engine; returns once clients can connect.
   *
   * @param listener the listener to tell of events, or null
   * @param tls makes server-side TLS engines, or null when TLS is off
   * @param stats reads the running proxy's counters, for the metrics
   * @throws UncheckedIOException if an address cannot be bound; nothing is left running then
   */
  public static RunningServer start(
      ServerOptions options,
      ProxyListener listener,
      Supplier<SSLEngine> tls,
      boolean tlsRequired,
      Supplier<ProxyStats> stats) {
    // Metrics: bound first, so that a taken port fails the start before clients can connect;
    // they time the router and hear every event before the configured listener does.
    Router routing = options.router();
    ProxyListener listening = listener;
    MetricsEndpoint metrics = null;
    InetSocketAddress metricsListen = options.metricsListen();
    if (metricsListen != null) {
      ProxyMetrics proxyMetrics = new ProxyMetrics(listening, options.journalOn());
      routing = proxyMetrics.timed(options.router());
      listening = proxyMetrics;
      try {
        metrics = MetricsEndpoint.start(metricsListen, () -> proxyMetrics.scrape(stats.get()));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot serve metrics on " + metricsListen + ": " + e.getMessage(), e);
      }
    }
    ServerConsole console = options.console();
    try {
      ProxyEngine engine =
          ProxyEngine.start(
              options.settings(routing, listening, tls, tlsRequired, console),
              options.unixDirectory());
      if (console != null) {
        console.attach(engine);
      }
      return new RunningServer(engine, metrics);
    } catch (IOException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw new UncheckedIOException(
          "cannot listen on " + options.listen() + ": " + e.getMessage(), e);
    }
  }

  public ProxyEngine engine() {
    return engine;
  }

  /** Returns the address the metrics endpoint listens on, or null if metrics are off. */
  public InetSocketAddress metricsAddress() {
    return metrics == null ? null : metrics.address();
  }

  /** Closes the metrics endpoint, then the engine. */
  public void close() {
    if (metrics != null) {
      metrics.close();
    }
    engine.close();
  }
}
