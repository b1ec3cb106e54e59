package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.PrometheusText;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Prometheus endpoint of {@link ProxyServer#withMetrics}, scraped while sessions run. */
@ExtendWith(Backends.Resolver.class)
class MetricsIT {
  private static final int SESSIONS = 300;
  private static final int UNROUTED = 7;
  private static final int THREADS = 8;

  /** An HTTP answer. HttpURLConnection, not java.net.http: the tests need only java.base. */
  private record Response(int statusCode, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }
  }

  @Test
  void scrapesStayWellFormedAndMonotonicUnderLoad(Backends backends) throws Exception {
    StaticRouter router = new StaticRouter().put("postgres", backends.current().backend());
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withMetrics("127.0.0.1:0").start()) {
      ExecutorService clients = Executors.newFixedThreadPool(THREADS);
      AtomicInteger left = new AtomicInteger(SESSIONS);
      List<Future<?>> load = new ArrayList<>();
      try {
        for (int t = 0; t < THREADS; t++) {
          load.add(clients.submit(() -> {
            while (left.getAndDecrement() > 0) {
              try (Connection c = Jdbc.connect(proxy, "postgres", "")) {
                Jdbc.queryString(c, "SELECT repeat('x', 1000)");
              }
            }
            return null;
          }));
        }
        for (int i = 0; i < UNROUTED; i++) {
          Assertions.assertThatThrownBy(() -> Jdbc.connect(proxy, "unrouted", "x"))
              .hasMessageContaining("no route");
        }
        cancelOneQuery(proxy);

        // Scrape while the load runs: every scrape well formed, no counter ever going back.
        PrometheusText previous = scrape(proxy);
        int scrapes = 1;
        while (!load.stream().allMatch(Future::isDone) || scrapes < 3) {
          PrometheusText next = scrape(proxy);
          assertMonotonic(previous, next);
          previous = next;
          scrapes++;
        }
        for (Future<?> f : load) {
          f.get();
        }
      } finally {
        clients.shutdownNow();
      }
      Await.noConnections(proxy);
      Await.until("cancel forwarded", Duration.ofSeconds(10), () -> proxy.stats().cancelsForwarded() == 1);

      PrometheusText last = scrape(proxy);
      int routed = SESSIONS + 1; // and the session whose query was cancelled
      assertThat(last.value("pgmux_sessions_total")).isEqualTo(routed);
      assertThat(last.value("pgmux_sessions_active")).isZero();
      assertThat(last.value("pgmux_client_connections_active")).isZero();
      assertThat(last.value("pgmux_client_connections_total")).isEqualTo(routed + UNROUTED + 1);
      assertThat(last.value("pgmux_refusals_total{sqlstate=\"28000\"}")).isEqualTo(UNROUTED);
      assertThat(last.value("pgmux_cancels_forwarded_total")).isEqualTo(1);
      assertThat(last.value("pgmux_bytes_received_total{side=\"client\"}"))
          .isEqualTo(proxy.stats().bytesFromClients());
      assertThat(last.value("pgmux_bytes_received_total{side=\"backend\"}"))
          .isGreaterThan(SESSIONS * 1000.0);
      assertThat(last.value("pgmux_router_duration_seconds_count")).isEqualTo(routed + UNROUTED);
      assertThat(last.value("pgmux_router_duration_seconds_bucket{le=\"0.01\"}"))
          .as("a map lookup takes microseconds").isGreaterThan(0);
    }
  }

  @Test
  void timesEachBackendConnectThatSucceeds(Backends backends) throws Exception {
    StaticRouter router = new StaticRouter()
        .put("postgres", backends.current().backend())
        .put("nowhere", BackendConfig.of("127.0.0.1", closedPort()));
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withMetrics("127.0.0.1:0").start()) {
      PrometheusText before = scrape(proxy);
      assertThat(before.families().get("pgmux_backend_connect_duration_seconds").type())
          .isEqualTo("histogram");
      assertThat(before.value("pgmux_backend_connect_duration_seconds_count")).isZero();
      for (int i = 0; i < 3; i++) {
        try (Connection c = Jdbc.connect(proxy, "postgres", "")) {
          assertThat(Jdbc.queryString(c, "SELECT 'ok'")).isEqualTo("ok");
        }
      }
      Assertions.assertThatThrownBy(() -> Jdbc.connect(proxy, "nowhere", "x"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"));
      PrometheusText after = scrape(proxy);
      assertThat(after.value("pgmux_backend_connect_duration_seconds_count"))
          .as("three connects, the refused one not timed").isEqualTo(3);
      assertThat(after.value("pgmux_backend_connect_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(3);
      assertThat(after.value("pgmux_backend_connect_duration_seconds_bucket{le=\"5\"}"))
          .as("a loopback connect is quick").isEqualTo(3);
      assertThat(after.value("pgmux_backend_connect_duration_seconds_sum")).isPositive().isLessThan(15);
      assertThat(after.value("pgmux_refusals_total{sqlstate=\"08001\"}")).isEqualTo(1);
    }
  }

  /** A loopback port nobody listens on: bound, then freed. */
  @Test
  void statementsAndErrorsPerUserAreCountedWhileTheJournalIsOn(Backends backends) throws Exception {
    StaticRouter router = backends.router();
    int perThread = 20;
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router)
            .withMetrics("127.0.0.1:0")
            .withJournal(100)
            .start()) {
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<?>> load = new ArrayList<>();
      try {
        for (String user : List.of("postgres", "scram_user")) {
          for (int t = 0; t < 2; t++) {
            load.add(clients.submit(() -> {
              try (Connection c = Jdbc.connect(proxy, user, user.equals("postgres") ? "" : PASSWORD);
                  Statement s = c.createStatement()) {
                for (int i = 0; i < perThread; i++) {
                  s.execute("SELECT " + i);
                }
                if (user.equals("scram_user")) {
                  try {
                    s.execute("SELECT * FROM no_such_table");
                  } catch (SQLException expected) {
                    // 42P01, counted below
                  }
                }
              }
              return null;
            }));
          }
        }
        // Scrape while the load runs: well formed, never going back.
        PrometheusText previous = scrape(proxy);
        while (!load.stream().allMatch(Future::isDone)) {
          PrometheusText next = scrape(proxy);
          assertMonotonic(previous, next);
          previous = next;
        }
        for (Future<?> f : load) {
          f.get();
        }
      } finally {
        clients.shutdownNow();
      }
      Await.noConnections(proxy);
      PrometheusText last = scrape(proxy);
      assertThat(last.families().get("pgmux_statements_total").type()).isEqualTo("counter");
      // pgjdbc's own statements at login (none by default) would only add to these.
      assertThat(last.value("pgmux_statements_total{user=\"postgres\"}")).isGreaterThanOrEqualTo(2 * perThread);
      assertThat(last.value("pgmux_statements_total{user=\"scram_user\"}")).isGreaterThanOrEqualTo(2 * perThread + 2);
      assertThat(last.value("pgmux_statement_errors_total{user=\"scram_user\",sqlstate=\"42P01\"}")).isEqualTo(2);
      assertThat(last.families().get("pgmux_statement_errors_total").samples()).hasSize(1);
    }
  }

  private static int closedPort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void answersOnlyMetricsWithTheTextFormatAndFreesThePortOnClose(Backends backends) throws Exception {
    InetSocketAddress metrics;
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", backends.router())
        .withMetrics(new InetSocketAddress("127.0.0.1", 0)).start()) {
      metrics = proxy.metricsAddress();
      assertThat(metrics.getPort()).isNotIn(0, proxy.port());
      Response ok = get(metrics, "/metrics", "GET");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      assertThat(get(metrics, "/", "GET").statusCode()).isEqualTo(404);
      Response post = get(metrics, "/metrics", "POST");
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
      Response head = get(metrics, "/metrics", "HEAD");
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(liveThreads()).contains("pgmux-metrics", "HTTP-Dispatcher");
    }
    assertThat(liveThreads()).doesNotContain("pgmux-metrics", "HTTP-Dispatcher");
    Assertions.assertThatThrownBy(() -> new Socket(metrics.getAddress(), metrics.getPort()).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void aTakenMetricsPortFailsTheStartBeforeClientsCanConnect(Backends backends) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ProxyServer proxy = new ProxyServer("127.0.0.1:0", backends.router())
          .withMetrics(new InetSocketAddress("127.0.0.1", taken.getLocalPort()));
      Assertions.assertThatThrownBy(proxy::start)
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageStartingWith("cannot serve metrics on /127.0.0.1:" + taken.getLocalPort());
      assertThat(proxy.isRunning()).isFalse();
      Assertions.assertThatThrownBy(proxy::port).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void metricsAreOffUnlessAsked(Backends backends) {
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", backends.router()).start()) {
      Assertions.assertThatThrownBy(proxy::metricsAddress)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("metrics are off: call withMetrics(address) before start()");
    }
    Assertions.assertThatThrownBy(() -> new ProxyServer("127.0.0.1:0", backends.router()).withMetrics("9187"))
        .hasMessage("metrics address \"9187\" has no port: use host:port or :port");
  }

  private static List<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .toList();
  }

  private static void cancelOneQuery(ProxyServer proxy) throws Exception {
    try (Connection c = Jdbc.connect(proxy, "postgres", ""); Statement s = c.createStatement()) {
      ExecutorService canceller = Executors.newSingleThreadExecutor();
      try {
        Future<?> cancel = canceller.submit(() -> {
          Await.until("query running", Duration.ofSeconds(10), () -> sleeping(proxy));
          s.cancel();
          return null;
        });
        Assertions.assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
        cancel.get();
      } finally {
        canceller.shutdownNow();
      }
    }
  }

  /** Whether some backend is running pg_sleep, asked directly (not through the proxy). */
  private static boolean sleeping(ProxyServer proxy) {
    // The sessions list names the backend; ask it over a direct connection.
    BackendConfig backend = proxy.sessions().get(0).backend();
    try (Connection c = java.sql.DriverManager.getConnection(
            "jdbc:postgresql://" + backend.address() + "/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'");
      rs.next();
      return rs.getInt(1) > 0;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void assertMonotonic(PrometheusText before, PrometheusText after) {
    Map<String, Double> earlier = before.counters();
    after.counters().forEach((series, value) -> {
      Double was = earlier.get(series);
      if (was != null) {
        assertThat(value).as("%s between two scrapes", series).isGreaterThanOrEqualTo(was);
      }
    });
    assertThat(after.counters().keySet()).containsAll(earlier.keySet());
  }

  private PrometheusText scrape(ProxyServer proxy) throws IOException, InterruptedException {
    Response response = get(proxy.metricsAddress(), "/metrics", "GET");
    assertThat(response.statusCode()).isEqualTo(200);
    return PrometheusText.parse(response.body());
  }

  private static Response get(InetSocketAddress address, String path, String method)
      throws IOException {
    HttpURLConnection http = (HttpURLConnection)
        new URL("http://127.0.0.1:" + address.getPort() + path).openConnection();
    try {
      http.setRequestMethod(method);
      http.setConnectTimeout(10_000);
      http.setReadTimeout(10_000);
      if (method.equals("POST")) {
        http.setDoOutput(true);
        http.getOutputStream().close();
      }
      int status = http.getResponseCode();
      var in = status >= 400 ? http.getErrorStream() : http.getInputStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      // Header names are case-insensitive (the JDK's server writes "Content-type").
      Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      http.getHeaderFields().forEach((name, values) -> {
        if (name != null) {
          headers.put(name, values);
        }
      });
      return new Response(status, headers, body);
    } finally {
      http.disconnect();
    }
  }
}
