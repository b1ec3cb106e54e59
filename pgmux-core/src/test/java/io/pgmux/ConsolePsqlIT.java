package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Jdbc;
import io.pgmux.test.Psql;
import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin console driven by psql: every command, its output as psql prints it unaligned. */
class ConsolePsqlIT {
  static TestPostgres postgres;
  static ProxyServer proxy;
  static String conninfo;

  @BeforeAll
  static void start() {
    postgres = TestPostgres.current();
    Tenants.prepare(postgres);
    proxy =
        new ProxyServer("127.0.0.1:0", Tenants.router(postgres))
            .withJournal(100)
            .withAdminConsole(ConsoleJdbcIT.ADMIN, ClientAuth.scram(ConsoleJdbcIT.ADMIN_PASSWORD.toCharArray()))
            .start();
    conninfo =
        "host=127.0.0.1 port=" + proxy.port() + " user=" + ConsoleJdbcIT.ADMIN
            + " dbname=pgmux sslmode=disable";
  }

  @AfterAll
  static void stop() {
    proxy.close();
    postgres.close();
  }

  private static String psql(String sql) throws Exception {
    Psql.Result r = Psql.run(conninfo, ConsoleJdbcIT.ADMIN_PASSWORD, sql);
    assertThat(r.exitCode()).as("psql -c %s: %s", sql, r.err()).isZero();
    return r.out();
  }

  private static String psqlFails(String sql) throws Exception {
    Psql.Result r = Psql.run(conninfo, ConsoleJdbcIT.ADMIN_PASSWORD, sql);
    assertThat(r.exitCode()).as("psql -c %s", sql).isNotZero();
    return r.err();
  }

  @Test
  void everyCommandThroughPsql() throws Exception {
    String target = postgres.host() + ":" + postgres.port();
    assertThat(psql("SHOW HELP")).startsWith("SHOW HELP\nSHOW ROUTES\n").contains("RELOAD");
    assertThat(psql("SHOW ROUTES"))
        .isEqualTo("alice|" + postgres.host() + "|" + postgres.port() + "|tenant_a||disable|f\n"
            + "bob|" + postgres.host() + "|" + postgres.port() + "|tenant_b||disable|f");
    try (Connection alice = Jdbc.connect(proxy, "alice", "", "tenant_a", new Properties())) {
      Jdbc.queryString(alice, "SELECT 'from alice'");
      assertThat(psql("SHOW SESSIONS"))
          .contains("|alice|tenant_a|" + postgres.host() + "|" + postgres.port() + "|alice|tenant_a|127.0.0.1:")
          .endsWith("|f");
      assertThat(psql("SHOW STATS")).matches("\\d+\\|\\d+\\|1\\|\\d+\\|0\\|\\d+\\|\\d+\\|\\d+\\|0\\|0");
      assertThat(psql("SHOW STATEMENTS alice"))
          .contains("|alice|tenant_a|" + postgres.host() + "|" + postgres.port() + "|tenant_a|SELECT 'from alice'|SELECT|1|||IDLE|");
      assertThat(psql("SET ROUTE bob = '" + target + "/tenant_a'")).isEqualTo("SET ROUTE");
      assertThat(psql("SHOW ROUTES")).contains("bob|" + postgres.host() + "|" + postgres.port() + "|tenant_a||disable|f");
      assertThat(psql("PAUSE alice")).isEqualTo("PAUSE");
      assertThat(psql("SHOW SESSIONS")).endsWith("|t");
      assertThat(psql("RESUME alice")).isEqualTo("RESUME");
      assertThat(psql("FAULT bob LATENCY '1ms'")).matches("\\d+\\|bob\\|latency\\|Latency\\[delay=PT0\\.001S, jitter=PT0S\\]\\|0\\|t");
      assertThat(psql("SHOW FAULTS")).matches("\\d+\\|bob\\|latency\\|Latency\\[delay=PT0\\.001S, jitter=PT0S\\]\\|0\\|t");
      assertThat(psql("CLEAR FAULTS")).isEqualTo("CLEAR FAULTS 1");
      assertThat(psql("KILL alice")).isEqualTo("KILL 1");
    }
    assertThat(psql("CLEAR STATEMENTS")).isEqualTo("CLEAR");
    assertThat(psql("SHOW STATEMENTS")).isEmpty();
    assertThat(psql("DROP ROUTE bob")).isEqualTo("DROP ROUTE");
    // Several commands in one query: answered in order.
    assertThat(psql("SHOW server_version; SHOW TimeZone")).isEqualTo("16.0 (pgMux console)\nUTC");
  }

  @Test
  void errorsReachPsqlWithTheirHint() throws Exception {
    assertThat(psqlFails("FROB")).contains("pgmux: syntax error at or near \"FROB\"").contains("HINT:  try SHOW HELP");
    assertThat(psqlFails("SELECT 1")).contains("pgmux: the admin console does not run SQL; try SHOW HELP");
    assertThat(psqlFails("RELOAD")).contains("pgmux: no routes file to reload");
    Psql.Result wrong = Psql.run(conninfo, "wrong", "SHOW HELP");
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).contains("password authentication failed for user \"admin\"");
  }
}
