package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Jdbc;
import io.pgmux.test.Psql;
import io.pgmux.test.Psycopg;
import io.pgmux.test.TestPostgres;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the proxy to real PostgreSQL 18 and 15 servers with {@code ssl = on}, in passthrough:
 * the client answers the backend's password exchange, the backend's keys reach the client.
 */
class BackendTlsIT {
  static TestPostgres pg18;
  static TestPostgres pg15;
  static TestPostgres other18;
  static TestPostgres plain18;
  static ProxyServer proxy;
  /** Passthrough keeps the user (MD5 cannot survive a rewrite), so tests point users at a mode. */
  static StaticRouter router;

  @BeforeAll
  static void start() {
    CompletableFuture<TestPostgres> v15 =
        CompletableFuture.supplyAsync(() -> TestPostgres.withTls(TestPostgres.V15, "rsa"));
    CompletableFuture<TestPostgres> other =
        CompletableFuture.supplyAsync(() -> TestPostgres.withTls(TestPostgres.CURRENT, "other"));
    pg18 = TestPostgres.withTls(TestPostgres.CURRENT, "rsa");
    plain18 = TestPostgres.current();
    pg15 = v15.join();
    other18 = other.join();
    router = new StaticRouter();
    router.put(
        "direct_18",
        new BackendConfig(pg18.host(), pg18.port(), "tls_user", "postgres")
            .withTls(BackendTls.verifyFull(TestTls.file("rsa.crt")).withNegotiation(BackendTls.Negotiation.DIRECT)));
    router.put(
        "refused",
        new BackendConfig(plain18.host(), plain18.port(), "scram_user", "postgres").withTls(BackendTls.require()));
    router.put(
        "wrong_host",
        new BackendConfig(other18.host(), other18.port(), "scram_user", "postgres")
            .withTls(BackendTls.verifyFull(TestTls.file("other.crt"))));
    router.put(
        "right_ca",
        new BackendConfig(other18.host(), other18.port(), "scram_user", "postgres")
            .withTls(BackendTls.verifyCa(TestTls.file("other.crt"))));
    // pg18's certificate is not signed by other.crt: the handshake itself fails.
    BackendTls untrusted = BackendTls.prefer().withRootCertificate(TestTls.file("other.crt"));
    router.put(
        "prefer_untrusted",
        new BackendConfig(pg18.host(), pg18.port(), "scram_user", "postgres").withTls(untrusted));
    router.put(
        "prefer_untrusted_proxy_side",
        new BackendConfig(pg18.host(), pg18.port(), "scram_user", "postgres")
            .withTls(untrusted)
            .withPassword(TestPostgres.PASSWORD.toCharArray())
            .withClientAuth(ClientAuth.trust()));
    router.put(
        "require_untrusted",
        new BackendConfig(pg18.host(), pg18.port(), "scram_user", "postgres")
            .withTls(BackendTls.require().withRootCertificate(TestTls.file("other.crt"))));
    proxy = new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).start();
  }

  static final List<String> USERS = List.of("scram_user", "md5_user", "clear_user", "tls_user");

  static List<BackendTls> modes() {
    return List.of(
        BackendTls.prefer(),
        BackendTls.require(),
        BackendTls.verifyCa(TestTls.file("rsa.crt")),
        BackendTls.verifyFull(TestTls.file("rsa.crt")));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    for (TestPostgres server : new TestPostgres[] {pg18, pg15, other18, plain18}) {
      if (server != null) {
        server.close();
      }
    }
  }

  static Connection direct(TestPostgres server, String sslmode) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "tls_user");
    p.setProperty("password", TestPostgres.PASSWORD);
    p.setProperty("sslmode", sslmode);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres", p);
  }

  @Test
  void fixtureServersAcceptTlsUserOnlyOverTls() throws SQLException {
    for (TestPostgres server : List.of(pg18, pg15)) {
      try (Connection c = direct(server, "require")) {
        assertThat(Jdbc.queryString(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            .isEqualTo("true");
        assertThat(Jdbc.queryString(c, "SELECT current_setting('server_version_num')"))
            .startsWith(String.valueOf(server.majorVersion()));
      }
      assertThatThrownBy(() -> direct(server, "disable"))
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("28000");
    }
  }

  private static final String WHO =
      "SELECT current_user || ' ' || (SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid())"
          + " || ' ' || current_setting('server_version_num')::int / 10000";

  /** Sends every test user to {@code server} over {@code tls}, keeping user and database. */
  static void pointUsersAt(TestPostgres server, BackendTls tls) {
    for (String user : USERS) {
      router.put(user, BackendConfig.of(server.host(), server.port()).withTls(tls));
    }
  }

  @Test
  void everyPasswordMethodThroughEveryTlsMode() throws Exception {
    for (TestPostgres server : List.of(pg18, pg15)) {
      for (BackendTls tls : modes()) {
        pointUsersAt(server, tls);
        for (String user : USERS) {
          try (Connection c = Jdbc.connect(proxy, user, TestPostgres.PASSWORD)) {
            assertThat(Jdbc.queryString(c, WHO))
                .as("%s %s %s", user, tls, server)
                .isEqualTo(user + " true " + server.majorVersion());
          }
        }
        // psql over TLS to the proxy: channel binding cannot reach through, so it is disabled
        // (see README, Authentication); without TLS to the proxy it needs nothing.
        String route = "scram_user";
        Psql.Result psql =
            Psql.run(
                "host=127.0.0.1 port=" + proxy.port() + " user=" + route
                    + " dbname=postgres sslmode=require channel_binding=disable",
                TestPostgres.PASSWORD,
                WHO);
        assertThat(psql.out()).as(psql.err()).isEqualTo("scram_user true " + server.majorVersion());
        assertThat(
                Psycopg.query(
                    "host=127.0.0.1 port=" + proxy.port() + " user=md5_user dbname=postgres sslmode=disable",
                    TestPostgres.PASSWORD,
                    WHO))
            .isEqualTo("md5_user true " + server.majorVersion());
      }
    }
  }

  @Test
  void preferTriesOnceMoreWithoutTlsWhenTheHandshakeFailsAsLibpqDoes() throws Exception {
    // libpq first: sslmode=prefer with a root that does not sign the server's certificate fails
    // the handshake, and libpq opens a new connection without TLS.
    Psql.Result libpq =
        Psql.run(
            "host=" + pg18.host() + " port=" + pg18.port() + " user=scram_user dbname=postgres"
                + " sslmode=prefer sslrootcert=" + TestTls.file("other.crt"),
            TestPostgres.PASSWORD,
            WHO);
    assertThat(libpq.out()).as(libpq.err()).isEqualTo("scram_user false 18");
    for (String route : List.of("prefer_untrusted", "prefer_untrusted_proxy_side")) {
      try (Connection c = Jdbc.connect(proxy, route, TestPostgres.PASSWORD)) {
        assertThat(Jdbc.queryString(c, WHO)).as(route).isEqualTo("scram_user false 18");
      }
    }
  }

  @Test
  void requireWithAFailingHandshakeGives08001NamingTheReason() {
    assertFails(
        () -> Jdbc.connect(proxy, "require_untrusted", TestPostgres.PASSWORD),
        "08001",
        "pgmux: backend " + pg18.host() + ":" + pg18.port(),
        "TLS with the backend failed: PKIX path building failed");
  }

  @Test
  void verifyFullWithoutARootTakesLibpqsDefaultFile(@TempDir Path home) throws Exception {
    String realHome = System.getProperty("user.home");
    System.setProperty("user.home", home.toString());
    try {
      Path file = home.resolve(".postgresql/root.crt");
      BackendConfig backend =
          new BackendConfig(pg18.host(), pg18.port(), "scram_user", "postgres");
      BackendTls verifyFull = BackendTls.of(BackendTls.Mode.VERIFY_FULL);
      assertThatThrownBy(() -> backend.withTls(verifyFull))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("root certificate file \"" + file + "\" does not exist");
      Files.createDirectories(file.getParent());
      Files.copy(TestTls.file("rsa.crt"), file);
      router.put("default_root", backend.withTls(verifyFull));
      try (Connection c = Jdbc.connect(proxy, "default_root", TestPostgres.PASSWORD)) {
        assertThat(Jdbc.queryString(c, WHO)).isEqualTo("scram_user true 18");
      }
    } finally {
      System.setProperty("user.home", realHome);
    }
  }

  @Test
  void systemRootsAreTheJdkTrustStoreWhichDoesNotKnowTheTestCertificate() {
    router.put(
        "system_roots",
        new BackendConfig(pg18.host(), pg18.port(), "scram_user", "postgres")
            .withTls(BackendTls.of(BackendTls.Mode.VERIFY_FULL).withSystemRoots()));
    assertFails(
        () -> Jdbc.connect(proxy, "system_roots", TestPostgres.PASSWORD),
        "08001",
        "TLS with the backend failed: PKIX path building failed");
  }

  @Test
  void directTlsToPostgres18() throws SQLException {
    try (Connection c = Jdbc.connect(proxy, "direct_18", TestPostgres.PASSWORD)) {
      assertThat(Jdbc.queryString(c, WHO)).isEqualTo("tls_user true 18");
    }
  }

  @Test
  void requireRefusedByTheBackendGivesTheClient08001NamingItsAnswer() {
    assertFails(
        () -> Jdbc.connect(proxy, "refused", TestPostgres.PASSWORD),
        "08001",
        "the backend does not support TLS (it answered N to the SSLRequest)");
  }

  @Test
  void verifyFullFailsAgainstAWrongHostNameAndVerifyCaPasses() throws Exception {
    assertFails(
        () -> Jdbc.connect(proxy, "wrong_host", TestPostgres.PASSWORD),
        "08001",
        "server certificate for \"db.example.test\" (and 2 other names) does not match host name \"127.0.0.1\"");
    Psql.Result psql =
        Psql.run("host=127.0.0.1 port=" + proxy.port() + " user=wrong_host dbname=postgres", TestPostgres.PASSWORD, "SELECT 1");
    assertThat(psql.err()).contains("does not match host name");
    try (Connection c = Jdbc.connect(proxy, "right_ca", TestPostgres.PASSWORD)) {
      assertThat(Jdbc.queryString(c, WHO)).isEqualTo("scram_user true 18");
    }
  }

  @Test
  void cancelReachesABackendBehindTlsWithItsOwnKeys() throws Exception {
    pointUsersAt(pg15, BackendTls.verifyFull(TestTls.file("rsa.crt")));
    for (String route : List.of("scram_user", "md5_user")) {
      try (Connection c = Jdbc.connect(proxy, route, TestPostgres.PASSWORD);
          Statement statement = c.createStatement()) {
        assertThat(String.valueOf(c.unwrap(PGConnection.class).getBackendPID()))
            .isEqualTo(Jdbc.queryString(c, "SELECT pg_backend_pid()"));
        CompletableFuture<Void> cancel =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    try (Connection watcher = Jdbc.connect(proxy, route, TestPostgres.PASSWORD)) {
                      Jdbc.awaitActive(watcher, "SELECT pg_sleep(30)");
                    }
                    statement.cancel();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        assertFails(() -> statement.execute("SELECT pg_sleep(30)"), "57014");
        cancel.get(10, TimeUnit.SECONDS);
      }
    }
  }

}
