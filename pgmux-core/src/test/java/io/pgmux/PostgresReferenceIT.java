package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PostgreSQL is the reference: the same raw byte scripts go to PostgreSQL 18 and 15 directly and
 * through the proxy, and the outcome of each (a silent close, a FATAL error with its SQLSTATE, or
 * a session whose settings a query shows) is compared.
 *
 * <p>Each script states PostgreSQL's outcome, checked here against both real servers, and the
 * proxy's today. Where the two differ, the session still decides the answer itself: it refuses
 * a startup packet that decodes badly with {@code 08P01} where {@code
 * ProtocolException.sqlState()} holds PostgreSQL's answer (a silent close, {@code 0A000}, {@code
 * 28000}), and it refuses bytes sent after SSLRequest or GSSENCRequest before answering it, where
 * PostgreSQL answers first and then refuses. Once the session follows PostgreSQL the two columns
 * become one.
 */
@ExtendWith(Backends.Resolver.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresReferenceIT {
  private static final String SHOW = "SELECT current_user || ' ' || current_setting('application_name')";

  private TestPostgres postgres15;
  /** The servers, each directly and behind its own proxy, in the order of {@link #targets}. */
  private final List<ProxyServer> proxies = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();

  private record Target(String name, int version, int port, boolean proxied) {}

  @BeforeAll
  void start(Backends backends) {
    postgres15 = TestPostgres.v15();
    for (TestPostgres server : List.of(backends.current(), postgres15)) {
      ProxyServer proxy =
          new ProxyServer("127.0.0.1:0", new StaticRouter().put("postgres", server.backend()))
              .start();
      proxies.add(proxy);
      int version = server.majorVersion();
      targets.add(new Target("PostgreSQL " + version, version, server.port(), false));
      targets.add(new Target("pgMux to PostgreSQL " + version, version, proxy.port(), true));
    }
  }

  @AfterAll
  void stop() {
    proxies.forEach(ProxyServer::close);
    if (postgres15 != null) {
      postgres15.close();
    }
  }

  private static byte[] packet(int length, int code, byte[] body) {
    return ByteBuffer.allocate(8 + body.length).putInt(length).putInt(code).put(body).array();
  }

  /** A startup packet of protocol 3.{@code minor} whose parameters are Latin-1 text. */
  private static byte[] startup(int minor, String parameters) {
    byte[] bytes = parameters.getBytes(StandardCharsets.ISO_8859_1);
    return packet(8 + bytes.length, 3 << 16 | minor, bytes);
  }

  private static final byte[] SSL_REQUEST = packet(8, 80877103, new byte[0]);
  private static final byte[] GSS_REQUEST = packet(8, 80877104, new byte[0]);

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
  private static final String CLOSED = "closed";
  /** The outcome differs between versions: the proxy's must be that of the server behind it. */
  private static final String SAME = "same as the server behind the proxy";

  static Stream<Arguments> scripts() {
    return Stream.of(
        // name, bytes, PostgreSQL's outcome, which the proxy's must equal
        Arguments.of(
            "Terminate where the startup belongs (node-postgres connect(); end())",
            new byte[] {'X', 0, 0, 0, 4}, CLOSED),
        Arguments.of("zero length", new byte[] {0, 0, 0, 0}, CLOSED),
        Arguments.of("length below 8", new byte[] {0, 0, 0, 7, 0, 3, 0, 0}, CLOSED),
        Arguments.of(
            "length over 10 000 after the length word",
            packet(10_005, 3 << 16, new byte[0]), CLOSED),
        Arguments.of(
            "cancel request without a key", packet(12, 80877102, new byte[4]), CLOSED),
        // (Protocol 2.0 gets 0A000 too, but PostgreSQL writes it in protocol 2's error format.)
        Arguments.of(
            "protocol 1234.5682", packet(9, 1234 << 16 | 5682, new byte[] {0}),
            "error 0A000"),
        Arguments.of("no user", startup(0, "database\0postgres\0\0"), "error 28000"),
        Arguments.of("empty user", startup(0, "user\0\0\0"), "error 28000"),
        Arguments.of(
            "value without terminator", startup(0, "user\0postgres"), "error 08P01"),
        Arguments.of(
            "name without value", startup(0, "user\0postgres\0database"),
            "error 08P01"),
        Arguments.of(
            "bytes after the terminator", startup(0, "user\0postgres\0\0x"),
            "error 08P01"),
        Arguments.of(
            "SSLRequest with a body", packet(12, 80877103, new byte[4]),
            "answered N, ready: postgres "),
        Arguments.of(
            "SSLRequest, then GSSENCRequest", new byte[][] {SSL_REQUEST, GSS_REQUEST},
            "answered N, answered N, ready: postgres "),
        Arguments.of(
            "SSLRequest twice", new byte[][] {SSL_REQUEST, SSL_REQUEST},
            "answered N, error 0A000"),
        Arguments.of(
            "GSSENCRequest twice", new byte[][] {GSS_REQUEST, GSS_REQUEST},
            "answered N, error 0A000"),
        Arguments.of(
            "SSLRequest and the startup message in one write",
            concat(SSL_REQUEST, startup(0, "user\0postgres\0\0")),
            "answered N, error 08P01"),
        Arguments.of(
            "SSLRequest and GSSENCRequest in one write", concat(SSL_REQUEST, GSS_REQUEST),
            "answered N, error 08P01"),
        Arguments.of(
            "Latin-1 application_name",
            startup(0, "user\0postgres\0application_name\0caf\u00e9 cr\u00e8me\0\0"),
            SAME), // 15 shows '?' for each non-ASCII byte, 16 and later \xNN escapes
        Arguments.of(
            "repeated parameter: the last value wins",
            startup(0, "application_name\0first\0user\0postgres\0application_name\0second\0\0"),
            "ready: postgres second"),
        Arguments.of(
            "repeated user: the last one wins",
            startup(0, "user\0nobody\0database\0postgres\0user\0postgres\0\0"),
            "ready: postgres "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scripts")
  void sameOutcomeAsPostgres(String name, Object script, String postgres) throws Exception {
    String direct = null;
    for (Target target : targets) {
      String outcome = run(target.port(), script);
      if (!target.proxied()) {
        direct = outcome;
      }
      assertThat(outcome).as(target.name()).isEqualTo(postgres.equals(SAME) ? direct : postgres);
    }
  }

  /**
   * A client asking for protocol 3.2, or for a protocol option ({@code _pq_.*}), gets the server's
   * NegotiateProtocolVersion through the proxy: 15 knows neither, 18 knows 3.2 and no option.
   */
  @Test
  void negotiateProtocolVersionIsRelayed() throws Exception {
    String option = "_pq_.pgmux_test\0on\0";
    for (Target target : targets) {
      boolean v15 = target.version() == TestPostgres.V15;
      assertThat(run(target.port(), startup(2, "user\0postgres\0\0")))
          .as(target.name() + ", protocol 3.2")
          .isEqualTo(v15 ? "negotiated 3.0 refusing [], ready: postgres " : "ready: postgres ");
      assertThat(run(target.port(), startup(0, "user\0postgres\0" + option + "\0")))
          .as(target.name() + ", protocol 3.0 with an option")
          .isEqualTo("negotiated 3.0 refusing [_pq_.pgmux_test], ready: postgres ");
      assertThat(run(target.port(), startup(2, option + "user\0postgres\0\0")))
          .as(target.name() + ", protocol 3.2 with an option")
          .isEqualTo(
              "negotiated 3." + (v15 ? 0 : 2) + " refusing [_pq_.pgmux_test], ready: postgres ");
    }
  }

  /**
   * Sends the script and follows the connection: answers an SSLRequest's 'N' with a plain startup,
   * and once a session is ready shows its user and application_name.
   */
  static String run(int port, Object script) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      StringBuilder outcome = new StringBuilder();
      byte[] last = null;
      for (byte[] write : writes(script)) {
        out.write(write);
        last = write;
        // One answer byte per SSLRequest or GSSENCRequest this write starts with.
        for (int i = 0; i < negotiationPackets(write)[0]; i++) {
          int answer = in.read();
          if (answer < 0) {
            return outcome.append(CLOSED).toString();
          }
          if (answer == 'E') {
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            String code = new RawClient.Message('E', body).fields().get('C');
            return outcome.append("error ").append(code).toString();
          }
          outcome.append("answered ").append((char) answer).append(", ");
        }
      }
      int[] negotiation = negotiationPackets(last);
      if (negotiation[0] > 0 && negotiation[1] == last.length) {
        out.write(startup(0, "user\0postgres\0\0")); // the script only negotiated
      }
      boolean queried = false;
      String value = null;
      try {
        while (true) {
          int type = in.read();
          if (type < 0) {
            return outcome.append(CLOSED).toString();
          }
          byte[] body = new byte[in.readInt() - 4];
          in.readFully(body);
          switch (type) {
            case 'E':
              String code = new RawClient.Message('E', body).fields().get('C');
              return outcome.append("error ").append(code).toString();
            case 'v':
              outcome.append(negotiation(body)).append(", ");
              break;
            case 'D':
              ByteBuffer row = ByteBuffer.wrap(body);
              row.getShort();
              byte[] text = new byte[row.getInt()];
              row.get(text);
              value = new String(text, StandardCharsets.UTF_8);
              break;
            case 'Z':
              if (queried) {
                return outcome.append("ready: ").append(value).toString();
              }
              queried = true;
              out.write(query(SHOW));
              break;
            default:
          }
        }
      } catch (EOFException | SocketException e) {
        return outcome.append(CLOSED).toString();
      }
    }
  }

  /** A script is one write (byte[]) or several (byte[][]), each read up to its answers. */
  private static byte[][] writes(Object script) {
    return script instanceof byte[][] ? (byte[][]) script : new byte[][] {(byte[]) script};
  }

  /**
   * Counts the SSLRequest and GSSENCRequest packets the script starts with, each answered by one
   * byte; returns the count and where the packets after them begin.
   */
  private static int[] negotiationPackets(byte[] script) {
    ByteBuffer packets = ByteBuffer.wrap(script);
    int count = 0;
    while (packets.remaining() >= 8
        && packets.getInt(packets.position()) == 8
        && (packets.getInt(packets.position() + 4) == 80877103
            || packets.getInt(packets.position() + 4) == 80877104)) {
      count++;
      packets.position(packets.position() + 8);
    }
    if (count == 0 && script.length >= 12 && packets.getInt(4) == 80877103) {
      return new int[] {1, script.length}; // an SSLRequest with a body
    }
    return new int[] {count, packets.position()};
  }

  /** Describes a NegotiateProtocolVersion: the minor version offered and the options refused. */
  private static String negotiation(byte[] body) {
    ByteBuffer in = ByteBuffer.wrap(body);
    int version = in.getInt();
    int count = in.getInt();
    List<String> options = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int start = in.position();
      while (in.get() != 0) {
        // find the terminator
      }
      options.add(new String(body, start, in.position() - start - 1, StandardCharsets.UTF_8));
    }
    return "negotiated 3." + (version & 0xffff) + " refusing " + options;
  }

  private static byte[] query(String sql) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
    out.write('Q');
    out.writeBytes(ByteBuffer.allocate(4).putInt(4 + text.length).array());
    out.writeBytes(text);
    return out.toByteArray();
  }
}
