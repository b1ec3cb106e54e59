package io.pgmux.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyListener;
import io.pgmux.ProxyStats;
import io.pgmux.RouteRequest;
import io.pgmux.Router;
import io.pgmux.SessionInfo;
import io.pgmux.test.PrometheusText;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {
  private static final ProxyStats STATS = new ProxyStats(12, 3, 9, 2, 1, 1000, 5000);

  @Test
  void writesEveryFamilyWithHelpAndTypeFromTheStatsAndEvents() {
    ProxyMetrics metrics = new ProxyMetrics(null);
    metrics.sessionStarted(session());
    metrics.sessionStarted(session());
    metrics.sessionEnded(session());
    metrics.clientRefused(null, "28000", "pgmux: no route");
    metrics.clientRefused(null, "28000", "pgmux: no route");
    metrics.clientRefused(null, "XX\"\\", "odd");

    String text = metrics.scrape(STATS);
    PrometheusText scrape = PrometheusText.parse(text);

    assertThat(scrape.families().keySet())
        .containsExactly(
            "pgmux_client_connections_active",
            "pgmux_client_connections_total",
            "pgmux_sessions_active",
            "pgmux_sessions_total",
            "pgmux_refusals_total",
            "pgmux_bytes_received_total",
            "pgmux_cancels_forwarded_total",
            "pgmux_router_duration_seconds",
            "pgmux_backend_connect_duration_seconds");
    assertThat(scrape.value("pgmux_client_connections_active")).isEqualTo(3);
    assertThat(scrape.value("pgmux_client_connections_total")).isEqualTo(12);
    assertThat(scrape.value("pgmux_sessions_active")).isEqualTo(1);
    assertThat(scrape.value("pgmux_sessions_total")).isEqualTo(9);
    assertThat(scrape.value("pgmux_refusals_total{sqlstate=\"28000\"}")).isEqualTo(2);
    assertThat(scrape.value("pgmux_refusals_total{sqlstate=\"08001\"}")).as("known, never seen").isZero();
    assertThat(text).contains("pgmux_refusals_total{sqlstate=\"XX\\\"\\\\\"} 1\n");
    assertThat(scrape.value("pgmux_bytes_received_total{side=\"client\"}")).isEqualTo(1000);
    assertThat(scrape.value("pgmux_bytes_received_total{side=\"backend\"}")).isEqualTo(5000);
    assertThat(scrape.value("pgmux_cancels_forwarded_total")).isEqualTo(1);
    assertThat(text)
        .contains("# HELP pgmux_sessions_total Sessions that reached a backend.\n"
            + "# TYPE pgmux_sessions_total counter\n"
            + "pgmux_sessions_total 9\n");
  }

  @Test
  void recordsBackendConnectTimesInSeconds() {
    ProxyMetrics metrics = new ProxyMetrics(null);
    metrics.backendConnected(300_000); // 0.3 ms
    metrics.backendConnected(2_000_000_000L); // 2 s

    PrometheusText scrape = PrometheusText.parse(metrics.scrape(STATS));
    assertThat(scrape.families().get("pgmux_backend_connect_duration_seconds").type())
        .isEqualTo("histogram");
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_count")).isEqualTo(2);
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_bucket{le=\"0.00025\"}")).isZero();
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_bucket{le=\"0.0005\"}")).isEqualTo(1);
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_bucket{le=\"1\"}")).isEqualTo(1);
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_bucket{le=\"2.5\"}")).isEqualTo(2);
    assertThat(scrape.value("pgmux_backend_connect_duration_seconds_sum")).isEqualTo(2.0003);
  }

  @Test
  void timesTheRouterIncludingRefusalsAndFailuresInPlainBuckets() throws Exception {
    ProxyMetrics metrics = new ProxyMetrics(null);
    Router fast = metrics.timed(request -> BackendConfig.of("db", 5432));
    Router none = metrics.timed(request -> null);
    Router failing = metrics.timed(request -> { throw new IllegalStateException("directory down"); });
    fast.route(request());
    none.route(request());
    assertThatThrownBy(() -> failing.route(request())).hasMessage("directory down");
    Histogram histogram = new Histogram();
    histogram.observeNanos(2_000_000_000L); // 2 s
    histogram.observeNanos(-5);
    histogram.observeNanos(100_000); // exactly 0.0001 s: le is inclusive

    PrometheusText scrape = PrometheusText.parse(metrics.scrape(STATS));
    assertThat(scrape.value("pgmux_router_duration_seconds_count")).isEqualTo(3);
    assertThat(scrape.value("pgmux_router_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(3);
    assertThat(scrape.value("pgmux_router_duration_seconds_sum")).isGreaterThan(0).isLessThan(1);

    StringBuilder out = new StringBuilder();
    histogram.writeSamples(out, "h");
    assertThat(out.toString())
        .startsWith("h_bucket{le=\"0.0001\"} 2\nh_bucket{le=\"0.00025\"} 2\n")
        .contains("h_bucket{le=\"1\"} 2\nh_bucket{le=\"2.5\"} 3\n")
        .contains("h_bucket{le=\"10\"} 3\nh_bucket{le=\"+Inf\"} 3\nh_sum 2.0001\nh_count 3\n");
  }

  @Test
  void handsEveryEventOnToTheConfiguredListener() {
    List<String> heard = new ArrayList<>();
    ProxyMetrics metrics =
        new ProxyMetrics(
            new ProxyListener() {
              @Override
              public void sessionStarted(SessionInfo session) {
                heard.add("started");
              }

              @Override
              public void sessionEnded(SessionInfo session) {
                heard.add("ended");
              }

              @Override
              public void clientRefused(RouteRequest request, String sqlState, String message) {
                heard.add(sqlState + " " + message);
              }
            });
    metrics.sessionStarted(session());
    metrics.clientRefused(request(), "53300", "pgmux: too many");
    metrics.sessionEnded(session());
    assertThat(heard).containsExactly("started", "53300 pgmux: too many", "ended");
  }

  private static RouteRequest request() {
    return new RouteRequest("alice", "app", Map.of("user", "alice"), new InetSocketAddress("127.0.0.1", 1), false, null);
  }

  private static SessionInfo session() {
    return new SessionInfo(1, new InetSocketAddress("127.0.0.1", 1), "alice", "app",
        BackendConfig.of("db", 5432), false, Instant.now(), 0, 0);
  }
}
