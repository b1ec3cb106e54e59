package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.internal.net.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BackendLoginTest {

  @Test
  void theBackendSocketHasKeepaliveAndNoDelay() throws Exception {
    EventLoop loop = RelayTest.newLoop();
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
      BackendLogin login = new BackendLogin(BackendConfig.of("127.0.0.1", server.getLocalPort()), address);
      login.connect(loop, null, 5_000, () -> {});
      assertThat(login.failure()).isNull();
      assertThat(login.channel().getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
      assertThat(login.channel().getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
      login.close();
    } finally {
      loop.selector().close();
    }
  }

  @Test
  void rewritesUserAndDatabaseAndKeepsTheRestInOrder() {
    BackendLogin login =
        new BackendLogin(new BackendConfig("h", 5432, "postgres", "app"), new InetSocketAddress(0));
    java.util.LinkedHashMap<String, String> parameters = new java.util.LinkedHashMap<>();
    parameters.put("user", "alice");
    parameters.put("application_name", "x");
    ByteBuffer message =
        login.startupMessage(new io.pgmux.internal.protocol.StartupPacket.StartupMessage(3, 2, parameters));
    byte[] bytes = new byte[message.remaining()];
    message.get(bytes);
    assertThat(new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8))
        .isEqualTo("user\0postgres\0application_name\0x\0database\0app\0\0");
    assertThat(ByteBuffer.wrap(bytes).getInt(4)).isEqualTo(3 << 16 | 2);
  }
}
