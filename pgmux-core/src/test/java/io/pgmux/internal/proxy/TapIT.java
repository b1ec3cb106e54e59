package io.pgmux.internal.proxy;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.internal.tap.TappedSession;
import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** pgjdbc through a tapped proxy against real PostgreSQL: the tap sees every message. */
@ExtendWith(Backends.Resolver.class)
class TapIT {
  private final List<String> fromClient = new CopyOnWriteArrayList<>();
  private final List<String> fromBackend = new CopyOnWriteArrayList<>();
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger ended = new AtomicInteger();
  private volatile String refuseUser;
  private ProxyEngine engine;

  @AfterEach
  void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  private final SessionTaps taps =
      new SessionTaps() {
        @Override
        public Refusal admit(RouteRequest request, BackendConfig backend) {
          return request.user().equals(refuseUser)
              ? new Refusal("53400", "pgmux: fault injected: not today")
              : null;
        }

        @Override
        public MessageTap open(TappedSession session) {
          opened.incrementAndGet();
          return new MessageTap() {
            @Override
            public TapAction fromClient(TapMessage m) {
              fromClient.add(String.valueOf((char) m.type()));
              return TapAction.PASS;
            }

            @Override
            public TapAction fromBackend(TapMessage m) {
              fromBackend.add(String.valueOf((char) m.type()));
              return TapAction.PASS;
            }

            @Override
            public void ended() {
              ended.incrementAndGet();
            }
          };
        }
      };

  private Connection connect(Backends backends, String user) throws SQLException {
    Settings settings =
        new Settings(
            new InetSocketAddress("127.0.0.1", 0),
            backends.router().put("refused_user", backends.current().backend()),
            null,
            false,
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            100,
            0,
            1,
            4,
            null,
            taps,
            null,
            null);
    if (engine == null) {
      try {
        engine = ProxyEngine.start(settings);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", PASSWORD);
    properties.setProperty("sslmode", "disable");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + engine.address().getPort() + "/postgres", properties);
  }

  @Test
  void seesEveryMessageOfSimpleExtendedBatchAndCopy(Backends backends) throws Exception {
    try (Connection c = connect(backends, "scram_user")) {
      assertThat(opened).hasValue(1);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TEMP TABLE t (id int, name text)");
      }
      assertThat(fromClient).contains("Q");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
        for (int i = 0; i < 50; i++) {
          p.setInt(1, i);
          p.setString(2, "n" + i);
          p.addBatch();
        }
        assertThat(p.executeBatch()).hasSize(50);
      }
      assertThat(fromClient).contains("P", "B", "E", "S");
      assertThat(fromBackend).contains("1", "2", "C", "Z");
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < 20_000; i++) {
        rows.append(1000 + i).append("\tcopied-").append("x".repeat(100)).append('\n');
      }
      long copied =
          copy.copyIn("COPY t FROM STDIN", new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)));
      assertThat(copied).isEqualTo(20_000);
      assertThat(fromClient).contains("d", "c");
      assertThat(fromBackend).contains("G");
      StringWriter out = new StringWriter();
      copy.copyOut("COPY t TO STDOUT", out);
      assertThat(out.toString().lines()).hasSize(20_050);
      assertThat(fromBackend).contains("H", "d", "c");
      try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM t WHERE id >= ?")) {
        p.setInt(1, 1000);
        try (ResultSet r = p.executeQuery()) {
          r.next();
          assertThat(r.getLong(1)).isEqualTo(20_000);
        }
      }
    }
    Await.until("the tap hears the end", Duration.ofSeconds(10), () -> ended.get() == 1);
    assertThat(fromClient).endsWith("X");
    // The tap saw each message once: the counts match what pgjdbc sent for the COPY IN.
    assertThat(fromClient.stream().filter("c"::equals).count()).isEqualTo(1);
  }

  @Test
  void aRefusalFromAdmitReachesTheClient(Backends backends) throws Exception {
    refuseUser = "refused_user";
    assertThatThrownBy(() -> connect(backends, "refused_user").close())
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("pgmux: fault injected: not today")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("53400"));
    assertThat(opened).hasValue(0);
    try (Connection c = connect(backends, "scram_user")) {
      assertThat(c.isValid(5)).isTrue();
    }
  }
}
