package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupPacketTest {

  /** The body of a startup packet: what follows the length word. */
  private static ByteBuffer body(int code, byte[] rest) {
    return ByteBuffer.allocate(4 + rest.length).putInt(code).put(rest).flip();
  }

  private static byte[] cStrings(String... strings) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : strings) {
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  @Test
  void decodesStartupMessage30And32KeepingParameterOrder() throws Exception {
    for (int minor : new int[] {0, 2}) {
      StartupPacket packet =
          StartupPacket.decode(
              body(3 << 16 | minor, cStrings("user", "alice", "database", "app", "application_name", "t", "")));
      assertThat(packet).isInstanceOf(StartupMessage.class);
      StartupMessage message = (StartupMessage) packet;
      assertThat(message.minorVersion()).isEqualTo(minor);
      assertThat(message.user()).isEqualTo("alice");
      assertThat(message.database()).isEqualTo("app");
      assertThat(message.parameters().keySet()).containsExactly("user", "database", "application_name");
    }
  }

  @Test
  void databaseDefaultsToUser() throws Exception {
    StartupMessage message =
        (StartupMessage) StartupPacket.decode(body(3 << 16, cStrings("user", "bob", "")));
    assertThat(message.database()).isEqualTo("bob");
  }

  @Test
  void encodeIsTheInverseOfDecode() throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", "ålice");
    parameters.put("options", "-c search_path=x");
    ByteBuffer encoded = new StartupMessage(3, 2, parameters).encode();
    int length = encoded.getInt();
    assertThat(length).isEqualTo(encoded.limit());
    StartupMessage decoded = (StartupMessage) StartupPacket.decode(encoded.slice());
    assertThat(decoded.parameters()).isEqualTo(parameters);
    assertThat(decoded.minorVersion()).isEqualTo(2);
  }

  @Test
  void decodesCancelRequestsOfBothProtocolVersions() throws Exception {
    CancelRequest short30 =
        (CancelRequest)
            StartupPacket.decode(body(StartupPacket.CANCEL_REQUEST_CODE, new byte[] {0, 0, 0, 42, 1, 2, 3, 4}));
    assertThat(short30.processId()).isEqualTo(42);
    assertThat(short30.secretKey()).containsExactly(1, 2, 3, 4);
    assertThat(short30.toString()).doesNotContain("1, 2, 3, 4").contains("4 bytes");

    byte[] long32 = new byte[4 + 256];
    CancelRequest cancel =
        (CancelRequest) StartupPacket.decode(body(StartupPacket.CANCEL_REQUEST_CODE, long32));
    assertThat(cancel.secretKey()).hasSize(256);
    assertThat(cancel.keyBytes()).hasSize(260);
  }

  @Test
  void rejectsMalformedPacketsWithPostgresWording() {
    assertThatThrownBy(() -> StartupPacket.decode(body(StartupPacket.CANCEL_REQUEST_CODE, new byte[6])))
        .hasMessage("invalid length of cancel request packet");
    assertThatThrownBy(() -> StartupPacket.decode(body(StartupPacket.CANCEL_REQUEST_CODE, new byte[4 + 257])))
        .hasMessage("invalid length of cancel request packet");
    assertThatThrownBy(() -> StartupPacket.decode(body(StartupPacket.SSL_REQUEST_CODE, new byte[1])))
        .hasMessage("invalid length of SSLRequest packet");
    assertThatThrownBy(() -> StartupPacket.decode(body(2 << 16, cStrings("user", "a", ""))))
        .hasMessageStartingWith("unsupported frontend protocol 2.0");
    assertThatThrownBy(() -> StartupPacket.decode(body(3 << 16, cStrings("database", "x", ""))))
        .hasMessage("no PostgreSQL user name specified in startup packet");
    assertThatThrownBy(() -> StartupPacket.decode(body(3 << 16, "user\0alice".getBytes(StandardCharsets.UTF_8))))
        .hasMessageContaining("expected terminator");
    assertThatThrownBy(() -> StartupPacket.decode(body(3 << 16, cStrings("user", "a", "user", "b", ""))))
        .hasMessageContaining("repeats parameter \"user\"");
    assertThatThrownBy(() -> StartupPacket.decode(body(3 << 16, new byte[] {'u', 's', 'e', 'r', 0, (byte) 0xc3, 0x28, 0, 0})))
        .hasMessage("invalid UTF-8 in startup packet");
    assertThatThrownBy(() -> StartupPacket.decode(ByteBuffer.allocate(2)))
        .hasMessage("invalid length of startup packet");
  }
}
