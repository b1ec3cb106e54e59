package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.test.Backends;
import io.pgmux.test.FakeBackend;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

/**
 * Faults on one session reach that session's client as a clear error and leave every other
 * session untouched.
 */
@ExtendWith(Backends.Resolver.class)
class FaultsIT {
  private Backends backends;
  private StaticRouter router;
  private ProxyServer proxy;
  private Connection bystander;

  @BeforeEach
  void start(Backends backends) throws SQLException {
    this.backends = backends;
    router = backends.router();
    proxy =
        new ProxyServer("127.0.0.1:0", router).withStartupTimeout(Duration.ofSeconds(2)).start();
    bystander = Jdbc.connect(proxy, "clear_user", PASSWORD);
  }

  @AfterEach
  void bystanderIsUntouchedAndNothingLeaks() throws Exception {
    assertThat(Jdbc.queryString(bystander, "SELECT 'unharmed'")).isEqualTo("unharmed");
    bystander.close();
    proxy.close();
    assertThat(BufferPool.liveBuffers()).isZero();
  }

  /** Terminates the backend process of the session whose application_name is {@code name}. */
  private void terminateBackendOf(String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    try (Connection admin = backends.current().superuser()) {
      while (System.nanoTime() < deadline) {
        String terminated =
            Jdbc.queryString(
                admin,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = '" + name + "' AND state = 'active'");
        if (!terminated.equals("0")) {
          return;
        }
        Thread.onSpinWait();
      }
    }
    throw new IllegalStateException("no active session named " + name);
  }

  private Connection connectNamed(String name) throws SQLException {
    java.util.Properties properties = new java.util.Properties();
    properties.setProperty("ApplicationName", name);
    return Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", properties);
  }

  @Test
  void backendKilledMidQuery() throws Exception {
    try (Connection victim = connectNamed("victim-query"); Statement s = victim.createStatement()) {
      CompletableFuture<Void> kill = CompletableFuture.runAsync(() -> {
        try {
          terminateBackendOf("victim-query");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertFails(() -> s.execute("SELECT pg_sleep(30)"), "57P01");
      kill.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void backendKilledMidCopy() throws Exception {
    Connection victim = connectNamed("victim-copy");
    try {
      CompletableFuture<Void> kill = CompletableFuture.runAsync(() -> {
        try {
          terminateBackendOf("victim-copy");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // An endless COPY source: only the fault can end it.
      InputStream endless = new InputStream() {
        @Override
        public int read() {
          return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
          for (int i = 0; i < len; i++) {
            b[off + i] = (byte) (i % 64 == 63 ? '\n' : 'x');
          }
          return len;
        }
      };
      victim.createStatement().execute("CREATE TEMP TABLE sink (t text)");
      assertThatThrownBy(() -> victim.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY sink FROM STDIN", endless))
          .isInstanceOf(Exception.class);
      kill.get(10, TimeUnit.SECONDS);
    } finally {
      try {
        victim.close();
      } catch (SQLException expected) {
        // pgjdbc cannot say goodbye on a dead connection
      }
    }
  }

  @Test
  void backendClosingDuringStartupIs08006() throws Exception {
    try (FakeBackend fake = new FakeBackend(FakeBackend.Behaviour.CLOSE_AFTER_STARTUP)) {
      router.put("victim", fake.backend());
      assertFails(
          () -> Jdbc.connect(proxy, "victim", PASSWORD),
          "08006",
          "closed the connection during startup");
    }
  }

  @Test
  void backendThatNeverAnswersIsCutAtTheStartupTimeout() throws Exception {
    try (FakeBackend fake = new FakeBackend(FakeBackend.Behaviour.SILENT);
        RawClient raw = new RawClient(proxy.port())) {
      router.put("victim", fake.backend());
      raw.send(RawClient.startupMessage(0, "user", "victim"));
      assertThat(raw.readErrorOrClose()).isEqualTo("08P01");
    }
  }

  @Test
  void backendSpeakingGarbageIs08P01() throws Exception {
    try (FakeBackend fake = new FakeBackend(FakeBackend.Behaviour.GARBAGE)) {
      router.put("victim", fake.backend());
      assertFails(() -> Jdbc.connect(proxy, "victim", PASSWORD), "08P01", "broke the protocol");
    }
  }

  @Test
  void routerReturningAnUnusableBackendIsRefusedCleanly() {
    router.put("victim", BackendConfig.of("127.0.0.1", 1));
    assertFails(() -> Jdbc.connect(proxy, "victim", PASSWORD), "08001");
  }

  @Test
  void clientVanishingMidResultEndsItsBackendSession() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.login(0, "postgres", "postgres");
      raw.query("SET application_name = 'vanishing'; SELECT repeat('x', 1000000) FROM generate_series(1, 500)");
    } // closed without reading 500 MB
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String left;
    do {
      try (Connection admin = backends.current().superuser()) {
        left = Jdbc.queryString(admin, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vanishing'");
      }
    } while (!left.equals("0") && System.nanoTime() < deadline);
    assertThat(left).as("backend sessions of the vanished client").isEqualTo("0");
  }

  @Test
  void slowReaderIsHeldBackWithBoundedMemory() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.login(0, "postgres", "postgres");
      raw.query("SET application_name = 'slow-reader'; SELECT repeat('x', 1000000) FROM generate_series(1, 200)"); // 200 MB, never read
      // The proxy stops reading from the backend once the client stops reading, so the backend
      // ends up blocked writing to its socket: PostgreSQL reports that as wait event ClientWrite.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      String waiting = "0";
      try (Connection admin = backends.current().superuser()) {
        while (waiting.equals("0") && System.nanoTime() < deadline) {
          waiting =
              Jdbc.queryString(
                  admin,
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'slow-reader'"
                      + " AND wait_event = 'ClientWrite'");
        }
      }
      assertThat(waiting).as("backend blocked by back-pressure").isEqualTo("1");
      assertThat(proxy.stats().bytesFromBackends())
          .as("bytes relayed while the client read nothing")
          .isLessThan(50_000_000L);
      assertThat(BufferPool.liveBuffers()).as("buffers held by the stalled session").isLessThanOrEqualTo(1);
    }
  }
}
