package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Psql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replication connections ({@code replication=database} for logical, {@code true} for physical
 * walsenders) pass through the proxy: the startup parameter reaches the backend, and the
 * replication protocol's commands answer.
 */
@ExtendWith(Backends.Resolver.class)
class ReplicationIT {

  @ParameterizedTest(name = "replication={0}")
  @ValueSource(strings = {"database", "true"})
  void identifySystemThroughTheProxy(String mode, Backends backends) throws Exception {
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", backends.router()).start()) {
      String conninfo =
          "host=127.0.0.1 port=" + proxy.port() + " user=postgres dbname=postgres sslmode=disable";
      Psql.Result direct =
          Psql.run(
              "host=127.0.0.1 port=" + backends.current().port()
                  + " user=postgres dbname=postgres sslmode=disable replication=" + mode,
              "",
              "IDENTIFY_SYSTEM");
      Psql.Result proxied = Psql.run(conninfo + " replication=" + mode, "", "IDENTIFY_SYSTEM");
      assertThat(proxied.err()).isEmpty();
      assertThat(proxied.exitCode()).isZero();
      // systemid|timeline|xlogpos|dbname: the same system, and the database only when logical.
      String[] fields = proxied.out().split("\\|", -1);
      assertThat(fields).hasSize(4);
      assertThat(fields[0]).isEqualTo(direct.out().split("\\|", -1)[0]).matches("\\d+");
      assertThat(fields[3]).isEqualTo(mode.equals("database") ? "postgres" : "");
      Await.noConnections(proxy);
    }
  }

  @Test
  void plainSqlIsRefusedOnAPhysicalReplicationConnectionAsDirect(Backends backends)
      throws Exception {
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", backends.router()).start()) {
      Psql.Result proxied =
          Psql.run(
              "host=127.0.0.1 port=" + proxy.port()
                  + " user=postgres dbname=postgres sslmode=disable replication=true",
              "",
              "SELECT 1");
      assertThat(proxied.exitCode()).isNotZero();
      assertThat(proxied.err()).contains("cannot execute SQL commands in WAL sender for physical replication");
    }
  }
}
