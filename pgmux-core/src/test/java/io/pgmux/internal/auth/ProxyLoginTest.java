package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyLoginTest {
  private static ByteBuffer message(char type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).flip();
  }

  private static byte[] concat(ByteBuffer... parts) {
    int n = 0;
    for (ByteBuffer p : parts) {
      n += p.remaining();
    }
    ByteBuffer all = ByteBuffer.allocate(n);
    for (ByteBuffer p : parts) {
      all.put(p.duplicate());
    }
    return all.array();
  }

  @Test
  void answersAuthenticationAndPassesTheRestWithTheProxysKey() throws AuthException {
    BackendAuthenticator auth =
        new BackendAuthenticator("app", () -> "pw".toCharArray(), false, null, false);
    ProxyLogin login = new ProxyLogin(auth, CancelKeys.forClient(0));
    byte[] salt = {1, 2, 3, 4};
    ProxyLogin.Output first =
        login.accept(
            ByteBuffer.wrap(
                concat(
                    message('v', ByteBuffer.allocate(8).putInt(0x30000).putInt(0).array()),
                    message('R', ByteBuffer.allocate(8).putInt(5).put(salt).array()))));
    assertThat(first.toClient()).isNull();
    assertThat(first.toBackend().get(0)).isEqualTo((byte) 'p');
    assertThat(new String(first.toBackend().array(), 5, 35, StandardCharsets.US_ASCII))
        .isEqualTo(Md5.response("pw".toCharArray(), "app", salt));

    ByteBuffer status = message('S', "a\0b\0".getBytes(StandardCharsets.US_ASCII));
    ByteBuffer key = message('K', ByteBuffer.allocate(8).putInt(99).putInt(12345).array());
    ByteBuffer ready = message('Z', new byte[] {'I'});
    byte[] rest = concat(message('R', new byte[4]), status, key, ready, message('C', "x\0".getBytes()));
    // Split in two to cross a message boundary.
    ProxyLogin.Output a = login.accept(ByteBuffer.wrap(rest, 0, 12));
    ProxyLogin.Output b = login.accept(ByteBuffer.wrap(rest, 12, rest.length - 12));
    assertThat(login.ready()).isTrue();
    ByteBuffer toClient = ByteBuffer.allocate(100);
    if (a.toClient() != null) {
      toClient.put(a.toClient());
    }
    toClient.put(b.toClient()).flip();
    assertThat(toClient.get()).isEqualTo((byte) 'S');
    int statusLength = toClient.getInt();
    toClient.position(toClient.position() + statusLength - 4);
    assertThat(toClient.get()).isEqualTo((byte) 'K');
    assertThat(toClient.getInt()).isEqualTo(12);
    assertThat(toClient.getInt()).isEqualTo(99); // pg_backend_pid() still matches
    byte[] secret = new byte[4];
    toClient.get(secret);
    assertThat(login.proxyKey()).hasSize(8);
    assertThat(login.backendKey()).isEqualTo(ByteBuffer.allocate(8).putInt(99).putInt(12345).array());
    assertThat(toClient.get()).isEqualTo((byte) 'Z');
    toClient.position(toClient.position() + 5);
    assertThat(toClient.get()).isEqualTo((byte) 'C'); // after ReadyForQuery: passed as it came
  }

  @Test
  void readyBeforeAuthenticationOkIsRefused() {
    ProxyLogin login =
        new ProxyLogin(new BackendAuthenticator("u", null, false, null, false), CancelKeys.forClient(0));
    assertThatThrownBy(() -> login.accept(message('Z', new byte[] {'I'})))
        .hasMessageContaining("without authenticating");
  }
}
