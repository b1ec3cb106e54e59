package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyServerTest {
  private final Router none = request -> null;

  @Test
  void portBeforeStartSaysWhatToDo() {
    ProxyServer proxy = new ProxyServer("127.0.0.1:0", none);
    assertThatThrownBy(proxy::port)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("proxy is not started: call start() first");
  }

  @Test
  void startPicksAFreePortAndCloseIsIdempotent() {
    ProxyServer proxy = new ProxyServer("127.0.0.1:0", none).start();
    assertThat(proxy.port()).isPositive();
    assertThat(proxy.isRunning()).isTrue();
    proxy.close();
    proxy.close();
    assertThat(proxy.isRunning()).isFalse();
    assertThatThrownBy(proxy::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void settingsAreSealedAtStart() {
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", none).start()) {
      assertThatThrownBy(() -> proxy.withMaxConnections(5))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("configure it before start()");
    }
  }

  @Test
  void rejectsBadSettingsNamingTheValue() {
    ProxyServer proxy = new ProxyServer("127.0.0.1:0", none);
    assertThatThrownBy(() -> proxy.withMaxConnections(0)).hasMessage("max connections 0 is below 1");
    assertThatThrownBy(() -> proxy.withStartupTimeout(Duration.ZERO))
        .hasMessage("startup timeout PT0S is not positive");
    assertThatThrownBy(() -> proxy.withEventLoops(0)).hasMessage("event loops 0 is outside 1..256");
  }

  @Test
  void parsesListenAddresses() {
    assertThat(ProxyServer.parseListen(":5434")).isEqualTo(new InetSocketAddress(5434));
    assertThat(ProxyServer.parseListen("127.0.0.1:0")).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
    assertThat(ProxyServer.parseListen("[::1]:6432").getAddress().getHostAddress())
        .isEqualTo("0:0:0:0:0:0:0:1");
    assertThatThrownBy(() -> ProxyServer.parseListen("localhost"))
        .hasMessageContaining("has no port");
    assertThatThrownBy(() -> ProxyServer.parseListen("localhost:70000"))
        .hasMessageContaining("port 70000 is outside 0..65535");
  }

  @Test
  void backendConfigNamesTheBadValue() {
    assertThatThrownBy(() -> new BackendConfig("db", 70000, null, null))
        .hasMessage("backend db: port 70000 is outside 1..65535");
    assertThatThrownBy(() -> BackendConfig.of("db", 5432).withUser(""))
        .hasMessageContaining("use null to keep the client's user");
    assertThat(BackendConfig.of("::1", 5432).address()).isEqualTo("[::1]:5432");
  }
}
