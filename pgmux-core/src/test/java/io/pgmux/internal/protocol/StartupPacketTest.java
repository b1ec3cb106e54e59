package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

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
  void rejectsMalformedPacketsWithPostgresWordingAndAnswer() {
    // PostgreSQL closes silently (COMMERROR) on these...
    assertRefused(body(StartupPacket.CANCEL_REQUEST_CODE, new byte[6]), null, "invalid length of cancel request packet");
    assertRefused(body(StartupPacket.CANCEL_REQUEST_CODE, new byte[4 + 257]), null, "invalid length of cancel request packet");
    assertRefused(ByteBuffer.allocate(2), null, "invalid length of startup packet");
    // ...and sends a FATAL ErrorResponse on these.
    assertRefused(body(2 << 16, cStrings("user", "a", "")), "0A000", "unsupported frontend protocol 2.0");
    assertRefused(body(1234 << 16 | 5682, cStrings("")), "0A000", "unsupported frontend protocol 1234.5682");
    assertRefused(body(3 << 16, cStrings("database", "x", "")), "28000", "no PostgreSQL user name specified in startup packet");
    assertRefused(body(3 << 16, cStrings("user", "", "")), "28000", "no PostgreSQL user name");
    assertRefused(body(3 << 16, "user\0alice".getBytes(StandardCharsets.UTF_8)), "08P01", "invalid startup packet layout: expected terminator");
    assertRefused(body(3 << 16, "user\0alice\0database".getBytes(StandardCharsets.UTF_8)), "08P01", "invalid startup packet layout");
    assertRefused(body(3 << 16, "user\0a\0\0x".getBytes(StandardCharsets.UTF_8)), "08P01", "invalid startup packet layout");
  }

  private static void assertRefused(ByteBuffer body, String sqlState, String message) {
    assertThatThrownBy(() -> StartupPacket.decode(body))
        .isInstanceOfSatisfying(
            ProtocolException.class,
            e -> {
              assertThat(e.getMessage()).startsWith(message);
              assertThat(e.sqlState()).isEqualTo(sqlState);
            });
  }

  @Test
  void lengthsOutsidePostgresLimitsCloseSilently() throws Exception {
    StartupPacket.checkLength(8);
    StartupPacket.checkLength(10_004); // MAX_STARTUP_PACKET_LENGTH counts the body only
    for (int bad : new int[] {0, 7, -16, 10_005, 0x58000000}) {
      assertThatThrownBy(() -> StartupPacket.checkLength(bad))
          .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.sqlState()).isNull())
          .hasMessage("invalid length of startup packet");
    }
  }

  @Test
  void sslAndGssRequestsAreAnsweredWhateverFollowsTheCode() throws Exception {
    assertThat(StartupPacket.decode(body(StartupPacket.SSL_REQUEST_CODE, new byte[4])))
        .isInstanceOf(StartupPacket.SslRequest.class);
    assertThat(StartupPacket.decode(body(StartupPacket.GSSENC_REQUEST_CODE, new byte[1])))
        .isInstanceOf(StartupPacket.GssEncRequest.class);
  }

  @Test
  void repeatedParameterKeepsItsLastValueAsPostgresDoes() throws Exception {
    StartupMessage message =
        (StartupMessage)
            StartupPacket.decode(
                body(3 << 16, cStrings("user", "alice", "application_name", "a", "user", "bob", "application_name", "b", "")));
    assertThat(message.user()).isEqualTo("bob");
    assertThat(message.parameters()).containsExactly(entry("user", "bob"), entry("application_name", "b"));
  }

  /** A whole startup packet of protocol 3.0: length word, version, then {@code parameters}. */
  private static byte[] packet(byte[] parameters) {
    return ByteBuffer.allocate(8 + parameters.length)
        .putInt(8 + parameters.length)
        .putInt(3 << 16)
        .put(parameters)
        .array();
  }

  private static StartupMessage decodePacket(byte[] packet) throws ProtocolException {
    return (StartupMessage) StartupPacket.decode(ByteBuffer.wrap(packet, 4, packet.length - 4).slice());
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  @Test
  void bytesThatAreNotUtf8AreRelayedUnchanged() throws Exception {
    byte[] latin1 =
        packet("user\0ren\u00e9\0application_name\0caf\u00e9 cr\u00e8me \u00ff\0\0".getBytes(StandardCharsets.ISO_8859_1));
    byte[] broken =
        packet(new byte[] {'u', 's', 'e', 'r', 0, (byte) 0xc3, 0x28, (byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xf0, 0x28, 0x20, 0, 0});
    byte[] utf8 = packet(cStrings("user", "ålice", "application_name", "日本 😀", ""));
    for (byte[] packet : new byte[][] {latin1, broken, utf8}) {
      assertThat(bytes(decodePacket(packet).encode())).isEqualTo(packet);
    }
    StartupMessage utf8Message = decodePacket(utf8);
    assertThat(utf8Message.user()).isEqualTo("ålice");
    assertThat(utf8Message.parameters().get("application_name")).isEqualTo("日本 😀");
    assertThat(decodePacket(latin1).user()).isEqualTo("ren\udce9");
  }

  @Test
  void rewrittenParametersEncodeAsUtf8BesideUntouchedBytes() throws Exception {
    StartupMessage decoded =
        decodePacket(packet("user\0ren\u00e9\0application_name\0caf\u00e9\0\0".getBytes(StandardCharsets.ISO_8859_1)));
    Map<String, String> parameters = new LinkedHashMap<>(decoded.parameters());
    parameters.put("user", "rené");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes("user\0rené\0".getBytes(StandardCharsets.UTF_8));
    expected.writeBytes("application_name\0caf\u00e9\0\0".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(bytes(new StartupMessage(3, 0, parameters).encode()))
        .isEqualTo(packet(expected.toByteArray()));
  }
}
