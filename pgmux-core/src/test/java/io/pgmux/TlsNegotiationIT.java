package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestPostgres;
import io.pgmux.test.TestTls;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS negotiation compared with PostgreSQL's: a JDK TLS client that can break the rules (direct TLS
 * with and without ALPN, TLS 1.2 renegotiation) meets the proxy and PostgreSQL 18 and 15 with
 * {@code ssl=on}, and each outcome is checked against all three.
 *
 * <p>PostgreSQL refuses renegotiation with a {@code no_renegotiation} warning, which the JDK
 * client turns into an {@code SSLHandshakeException}; an {@code SSLEngine} cannot send that
 * warning, so the proxy sends {@code close_notify}: for the client the session ends either way.
 */
@ExtendWith(Backends.Resolver.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsNegotiationIT {
  private ProxyServer proxy;
  private TestPostgres postgres18;
  private TestPostgres postgres15;

  @BeforeAll
  void start(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(TestTls.rsa()).start();
    postgres18 = TestPostgres.withTls(TestPostgres.CURRENT);
    postgres15 = TestPostgres.withTls(TestPostgres.V15);
  }

  @AfterAll
  void stop() {
    proxy.close();
    postgres18.close();
    postgres15.close();
  }

  /** Runs {@code client} against the proxy and both servers; returns the three outcomes. */
  private List<String> outcomes(Function<Integer, String> client) {
    return List.of(
        "pgMux: " + client.apply(proxy.port()),
        "PostgreSQL 18: " + client.apply(postgres18.port()),
        "PostgreSQL 15: " + client.apply(postgres15.port()));
  }

  @Test
  void directTlsWithoutAlpnIsClosedAfterTheHandshake() {
    long sessions = proxy.stats().sessions();
    assertThat(outcomes(port -> direct(port)))
        .containsExactly(
            "pgMux: handshake, ALPN none, closed",
            "PostgreSQL 18: handshake, ALPN none, closed",
            "PostgreSQL 15: closed during the handshake"); // 15 knows no direct TLS
    Await.noConnections(proxy);
    assertThat(proxy.stats().sessions()).as("no session started").isEqualTo(sessions);
  }

  @Test
  void directTlsOfferingOtherProtocolsGetsTheAlert() {
    assertThat(outcomes(port -> direct(port, "http/1.1", "h2")))
        .containsExactly(
            "pgMux: alert no_application_protocol",
            "PostgreSQL 18: alert no_application_protocol",
            "PostgreSQL 15: closed during the handshake");
  }

  @Test
  void directTlsSelectsAlpnPostgresql() {
    assertThat(outcomes(port -> direct(port, "http/1.1", "postgresql")))
        .containsExactly(
            "pgMux: handshake, ALPN postgresql, ready",
            "PostgreSQL 18: handshake, ALPN postgresql, ready",
            "PostgreSQL 15: closed during the handshake");
  }

  @Test
  void sslRequestOfferingOtherProtocolsGetsTheAlert() {
    assertThat(outcomes(port -> afterSslRequest(port, "TLSv1.3", false, "http/1.1")))
        .containsExactly(
            "pgMux: alert no_application_protocol",
            "PostgreSQL 18: alert no_application_protocol",
            "PostgreSQL 15: handshake, ALPN none, ready"); // ALPN came with 17
  }

  @Test
  void tls12RenegotiationEndsTheSession() {
    assertThat(outcomes(port -> afterSslRequest(port, "TLSv1.2", true)))
        .containsExactly(
            "pgMux: handshake, ALPN none, ready, renegotiation refused",
            "PostgreSQL 18: handshake, ALPN none, ready, renegotiation refused",
            "PostgreSQL 15: handshake, ALPN none, ready, renegotiation refused");
    // The session ended: no handshake left half-done, no loop spinning on it.
    Await.until("the session to end", Duration.ofSeconds(10), () -> proxy.sessions().isEmpty());
    Await.noConnections(proxy);
  }

  @Test
  void tls13KeyUpdateIsNoRenegotiation() {
    // On TLS 1.3 a second startHandshake() sends a KeyUpdate, which the session survives.
    assertThat(outcomes(port -> afterSslRequest(port, "TLSv1.3", true)))
        .containsExactly(
            "pgMux: handshake, ALPN none, ready, still ready",
            "PostgreSQL 18: handshake, ALPN none, ready, still ready",
            "PostgreSQL 15: handshake, ALPN none, ready, still ready");
  }

  /** Direct TLS: the ClientHello is the first byte sent, offering {@code alpn}. */
  private static String direct(int port, String... alpn) {
    try (SSLSocket tls = tls(connect(port), port, alpn)) {
      return handshakeAndLogin(tls, false);
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  /** SSLRequest, then TLS limited to {@code protocol}, optionally handshaking a second time. */
  private static String afterSslRequest(
      int port, String protocol, boolean handshakeAgain, String... alpn) {
    try {
      Socket plain = connect(port);
      plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
      int answer = plain.getInputStream().read();
      if (answer != 'S') {
        return "answered " + answer;
      }
      try (SSLSocket tls = tls(plain, port, alpn)) {
        tls.setEnabledProtocols(new String[] {protocol});
        return handshakeAndLogin(tls, handshakeAgain);
      }
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static String handshakeAndLogin(SSLSocket tls, boolean handshakeAgain)
      throws IOException {
    try {
      tls.startHandshake();
    } catch (SSLHandshakeException e) {
      String message = String.valueOf(e.getMessage());
      return message.startsWith("Received fatal alert: ")
          ? "alert " + message.substring("Received fatal alert: ".length())
          : "closed during the handshake";
    }
    String protocol = tls.getApplicationProtocol();
    StringBuilder outcome =
        new StringBuilder("handshake, ALPN ").append(protocol.isEmpty() ? "none" : protocol);
    tls.getOutputStream().write(RawClient.startupMessage(0, "user", "postgres"));
    String login = readUntilReady(tls.getInputStream());
    outcome.append(", ").append(login);
    if (handshakeAgain && login.equals("ready")) {
      try {
        tls.startHandshake(); // TLS 1.2: a ClientHello; the answer comes with the next read
        tls.getOutputStream().write(query("SELECT 1"));
        String after = readUntilReady(tls.getInputStream());
        outcome.append(", still ").append(after);
      } catch (SSLException e) {
        outcome.append(", renegotiation refused");
      }
    }
    return outcome.toString();
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static SSLSocket tls(Socket plain, int port, String... alpn) throws IOException {
    SSLSocket tls =
        (SSLSocket)
            TestTls.clientContext().getSocketFactory().createSocket(plain, "localhost", port, true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setApplicationProtocols(alpn);
    parameters.setServerNames(List.of(new SNIHostName("localhost")));
    tls.setSSLParameters(parameters);
    return tls;
  }

  /** Reads backend messages: "ready" at ReadyForQuery, "error X", or "closed". */
  private static String readUntilReady(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    try {
      while (true) {
        int type = in.read();
        if (type < 0) {
          return "closed";
        }
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        if (type == 'E') {
          return "error " + new RawClient.Message('E', body).fields().get('C');
        }
        if (type == 'Z') {
          return "ready";
        }
      }
    } catch (EOFException | SocketException e) {
      return "closed";
    }
  }

  private static byte[] query(String sql) {
    byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + text.length)
        .put((byte) 'Q')
        .putInt(4 + text.length)
        .put(text)
        .array();
  }
}
