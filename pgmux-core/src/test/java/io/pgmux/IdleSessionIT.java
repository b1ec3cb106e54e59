package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.RawClient;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The idle-session timeout ends sessions as PostgreSQL's idle_session_timeout does. */
@ExtendWith(Backends.Resolver.class)
class IdleSessionIT {
  private static final Duration TIMEOUT = Duration.ofMillis(600);
  private ProxyServer proxy;

  @BeforeEach
  void start(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withIdleSessionTimeout(TIMEOUT).start();
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  @Test
  void anIdleSessionGets57P05AndIsClosed() throws Exception {
    try (RawClient client = new RawClient(proxy.port()).login(0, "postgres", "postgres")) {
      long idleFrom = System.nanoTime();
      RawClient.Message error = client.read();
      // The proxy counts from the ReadyForQuery it relayed, a moment before the client read it.
      assertThat(Duration.ofNanos(System.nanoTime() - idleFrom)).isGreaterThan(TIMEOUT.minusMillis(100));
      assertThat(error.type()).isEqualTo('E');
      assertThat(error.fields())
          .containsEntry('S', "FATAL")
          .containsEntry('C', "57P05")
          .containsEntry('M', "pgmux: terminating connection due to idle-session timeout");
      assertThat(client.readByte()).isEqualTo(-1);
    }
    Await.noConnections(proxy);
  }

  @Test
  void aLongQueryAndAnOpenTransactionAreNotIdle() throws Exception {
    try (RawClient client = new RawClient(proxy.port()).login(0, "postgres", "postgres")) {
      client.query("SELECT pg_sleep(1.2)");
      assertThat(client.readUntilReady()).isNull();
      client.query("BEGIN");
      assertThat(client.readUntilReady()).isNull();
      client.socket().setSoTimeout(1_500); // twice the timeout: nothing may arrive meanwhile
      assertThatThrownBy(client::read).isInstanceOf(SocketTimeoutException.class);
      client.socket().setSoTimeout(10_000);
      client.query("COMMIT");
      assertThat(client.readUntilReady()).isNull();
      // Idle again outside the transaction: now the timeout applies.
      assertThat(client.read().fields()).containsEntry('C', "57P05");
    }
  }

  @Test
  void theTimeoutIsValidated() {
    ProxyServer server = new ProxyServer("127.0.0.1:0", r -> null);
    assertThatThrownBy(() -> server.withIdleSessionTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idle session timeout PT-1S is negative");
    assertThat(server.withIdleSessionTimeout(Duration.ZERO)).isSameAs(server);
  }
}
