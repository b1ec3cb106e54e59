package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.ClientAuth;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientLoginTest {
  private static ClientLogin login(ClientAuth auth, int minor) {
    return new ClientLogin(
        new ClientAuthenticator(ClientCheck.of(auth), "alice", null), minor, Map.of("user", "alice"));
  }

  private static ByteBuffer password(String pw) {
    byte[] b = pw.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(6 + b.length).put((byte) 'p').putInt(5 + b.length).put(b).put((byte) 0).flip();
  }

  @Test
  void cleartextInPiecesThenTheRestIsKept() throws AuthException {
    ClientLogin login = login(ClientAuth.password("pw".toCharArray()), 0);
    ByteBuffer challenge = login.start();
    assertThat(challenge.get(0)).isEqualTo((byte) 'R');
    assertThat(challenge.getInt(5)).isEqualTo(AuthMessages.CLEARTEXT);
    ByteBuffer pw = password("pw");
    ByteBuffer all = ByteBuffer.allocate(pw.remaining() + 3).put(pw).put(new byte[] {'Q', 0, 0}).flip();
    assertThat(login.accept(all.slice(0, 4))).isNull();
    ByteBuffer ok = login.accept(all.slice(4, all.limit() - 4));
    assertThat(ok.getInt(5)).isEqualTo(AuthMessages.OK);
    assertThat(login.done()).isTrue();
    assertThat(login.rest().remaining()).isEqualTo(3);
  }

  @Test
  void newerMinorVersionGetsNegotiationFirst() {
    ByteBuffer first = login(ClientAuth.trust(), 3).start();
    assertThat(first.get(0)).isEqualTo((byte) 'v');
    assertThat(first.getInt(5)).isEqualTo(0x30002);
  }

  @Test
  void wrongPasswordAndOversizedMessages() {
    ClientLogin login = login(ClientAuth.password("pw".toCharArray()), 0);
    login.start();
    assertThatThrownBy(() -> login.accept(password("nope")))
        .hasMessage("password authentication failed for user \"alice\"");
    ClientLogin big = login(ClientAuth.password("pw".toCharArray()), 0);
    big.start();
    assertThatThrownBy(() -> big.accept(ByteBuffer.allocate(5).put((byte) 'p').putInt(1 << 20).flip()))
        .hasMessageContaining("invalid message length");
  }
}
