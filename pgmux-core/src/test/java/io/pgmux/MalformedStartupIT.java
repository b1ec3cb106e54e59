package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad startup packets get a FATAL 08P01 or a clean close, never a hang, and the proxy keeps
 * serving the next, well-behaved client.
 */
@ExtendWith(Backends.Resolver.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedStartupIT {
  private ProxyServer proxy;

  @BeforeAll
  void startProxy(Backends backends) {
    proxy =
        new ProxyServer(
                "127.0.0.1:0",
                backends.router())
            .withTls(TestTls.rsa())
            .withStartupTimeout(Duration.ofSeconds(2))
            .start();
  }

  @AfterAll
  void stopProxy() {
    proxy.close();
  }

  @AfterEach
  void goodClientStillWorks() throws Exception {
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
  }

  private static byte[] packet(int length, int code, byte[] body) {
    return ByteBuffer.allocate(8 + body.length).putInt(length).putInt(code).put(body).array();
  }

  private static byte[] startup(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
    return packet(8 + bytes.length, 3 << 16, bytes);
  }

  static Stream<Arguments> badPackets() {
    return Stream.of(
        // An invalid length: PostgreSQL only logs it and closes (node-postgres's connect(); end()
        // writes Terminate where the startup belongs and expects just that).
        Arguments.of("zero length", new byte[] {0, 0, 0, 0}, "closed"),
        Arguments.of("negative length", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0}, "closed"),
        Arguments.of("length below minimum", new byte[] {0, 0, 0, 7, 0, 3, 0, 0}, "closed"),
        Arguments.of("huge length", new byte[] {0x7f, 0, 0, 0}, "closed"),
        Arguments.of("just over 10 000 bytes after the length word", packet(10_005, 3 << 16, new byte[0]), "closed"),
        Arguments.of("Terminate in place of the startup", new byte[] {'X', 0, 0, 0, 4}, "closed"),
        Arguments.of("unknown protocol 2.0", packet(16, 2 << 16, "user\0a\0\0\0".getBytes(StandardCharsets.US_ASCII)), "0A000"),
        Arguments.of("unknown protocol 4.0", packet(9, 4 << 16, new byte[] {0}), "0A000"),
        Arguments.of("no user", startup("database\0x\0\0"), "28000"),
        Arguments.of("parameter without terminator", startup("user\0alice"), "08P01"),
        Arguments.of("value without terminator", startup("user\0alice\0database"), "08P01"),
        Arguments.of("cancel request of wrong size", packet(12, 80877102, new byte[4]), "closed"));
  }

  private static byte[] manyParameters() {
    StringBuilder body = new StringBuilder("user\0postgres\0");
    for (int i = 0; body.length() < 9_000; i++) {
      body.append("p").append(i).append("\0v\0");
    }
    return startup(body.append("\0").toString()); // unknown parameters: the backend rejects them
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPackets")
  void badPacketGetsAnErrorOrAClose(String name, byte[] bytes, String expected) throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(bytes);
      assertThat(raw.readErrorOrClose()).isEqualTo(expected);
    }
  }

  @Test
  void thousandsOfParametersReachTheBackendWhichJudgesThem() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(manyParameters());
      RawClient.Message message;
      do {
        message = raw.read();
      } while (message.type() == 'R' || message.type() == 'S');
      assertThat(message.type()).isEqualTo('E');
      assertThat(message.fields().get('C')).as("unrecognized configuration parameter").isEqualTo("42704");
    }
  }

  @Test
  void truncatedPacketIsDroppedAtTheStartupTimeout() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(new byte[] {0, 0, 0, 40, 0, 3, 0, 0, 'u'});
      assertThat(raw.readErrorOrClose()).isEqualTo("closed");
    }
  }

  @Test
  void silentClientIsDroppedAtTheStartupTimeout() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      assertThat(raw.readErrorOrClose()).isEqualTo("closed");
    }
  }

  @Test
  void clientThatLeavesMidPacketIsForgotten() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(new byte[] {0, 0, 0, 40, 0, 3});
    }
    Await.noConnections(proxy);
  }

  @Test
  void tlsGarbageAfterSslAcceptedIsAClose() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
      assertThat(raw.readByte()).isEqualTo('S');
      raw.send("this is not a TLS record at all\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(raw.readErrorOrClose()).isEqualTo("closed");
    }
  }

  @Test
  void plaintextAfterSslRequestIsRefused() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      byte[] ssl = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};
      byte[] both = ByteBuffer.allocate(ssl.length + 9).put(ssl).put(startup("\0")).array();
      raw.send(both);
      assertThat(raw.readErrorOrClose()).isEqualTo("08P01");
    }
  }

  @Test
  void gssEncryptionIsDeclined() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30});
      assertThat(raw.readByte()).isEqualTo('N');
      raw.login(0, "postgres", "postgres");
    }
  }
}
