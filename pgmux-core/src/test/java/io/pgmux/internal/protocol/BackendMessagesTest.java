package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BackendMessagesTest {

  private static ByteBuffer saslBody(String... mechanisms) {
    ByteBuffer body = ByteBuffer.allocate(256).putInt(BackendMessages.AUTH_SASL);
    for (String m : mechanisms) {
      body.put(m.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
    }
    return body.put((byte) 0).flip();
  }

  @Test
  void removesScramPlusAndKeepsTheOtherMechanisms() throws Exception {
    ByteBuffer message =
        BackendMessages.withoutChannelBinding(saslBody("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"));
    byte[] expected = "SCRAM-SHA-256\0\0".getBytes(StandardCharsets.US_ASCII);
    assertThat(message.get()).isEqualTo((byte) 'R');
    assertThat(message.getInt()).isEqualTo(4 + 4 + expected.length);
    assertThat(message.getInt()).isEqualTo(BackendMessages.AUTH_SASL);
    byte[] rest = new byte[message.remaining()];
    message.get(rest);
    assertThat(rest).isEqualTo(expected);
  }

  @Test
  void leavesMessagesWithoutScramPlusAlone() throws Exception {
    assertThat(BackendMessages.withoutChannelBinding(saslBody("SCRAM-SHA-256"))).isNull();
  }

  @Test
  void encodesFatalErrors() {
    ByteBuffer error = BackendMessages.fatal("28000", "pgmux: no route");
    assertThat(error.get()).isEqualTo((byte) 'E');
    assertThat(error.getInt()).isEqualTo(error.limit() - 1);
    String fields = StandardCharsets.UTF_8.decode(error).toString();
    assertThat(fields).isEqualTo("SFATAL\0VFATAL\0C28000\0Mpgmux: no route\0\0");
  }
}
