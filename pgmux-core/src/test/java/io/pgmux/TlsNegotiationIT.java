package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS negotiation as PostgreSQL 17 and later do it, seen by a JDK TLS client that can break the
 * rules: direct TLS (ClientHello first) with and without ALPN, and TLS 1.2 renegotiation.
 *
 * <p>What PostgreSQL 18 answers the same clients (PostgreSQL 15 knows no direct TLS and closes at
 * once; both refuse renegotiation):
 *
 * <ul>
 *   <li>direct TLS offering only other ALPN protocols: fatal alert {@code no_application_protocol}
 *       during the handshake;
 *   <li>direct TLS without ALPN: the handshake completes, then {@code close_notify} and a close,
 *       before any startup message is read ("received direct SSL connection request without ALPN
 *       protocol negotiation extension" in its log);
 *   <li>TLS 1.2 renegotiation: a {@code no_renegotiation} warning, which the JDK client turns into
 *       an {@code SSLHandshakeException}, so the client's session is over. The proxy cannot send
 *       that warning through an {@code SSLEngine}; it ends the session with {@code close_notify}.
 * </ul>
 */
@ExtendWith(Backends.Resolver.class)
class TlsNegotiationIT {
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  /** Opens a TLS connection that starts with the ClientHello, offering {@code alpn}. */
  private SSLSocket direct(String... alpn) throws IOException {
    Socket plain = connect();
    SSLSocket tls =
        (SSLSocket)
            TestTls.clientContext()
                .getSocketFactory()
                .createSocket(plain, "localhost", proxy.port(), true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setApplicationProtocols(alpn);
    parameters.setServerNames(List.of(new SNIHostName("localhost")));
    tls.setSSLParameters(parameters);
    return tls;
  }

  /** Sends SSLRequest and, after the proxy's 'S', starts TLS limited to {@code protocols}. */
  private SSLSocket afterSslRequest(String... protocols) throws IOException {
    Socket plain = connect();
    plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
    assertThat(plain.getInputStream().read()).isEqualTo('S');
    SSLSocket tls =
        (SSLSocket)
            TestTls.clientContext()
                .getSocketFactory()
                .createSocket(plain, "localhost", proxy.port(), true);
    tls.setEnabledProtocols(protocols);
    return tls;
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Logs in as the trusted superuser over {@code tls}; returns what the login came to. */
  private static String login(SSLSocket tls) throws IOException {
    tls.getOutputStream().write(RawClient.startupMessage(0, "user", "postgres"));
    return readUntilReady(tls.getInputStream());
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

  @Test
  void directTlsWithoutAlpnIsClosedAfterTheHandshake() throws Exception {
    try (SSLSocket tls = direct()) {
      tls.startHandshake();
      assertThat(tls.getApplicationProtocol()).isEmpty();
      assertThat(login(tls)).as("the startup message is never read").isEqualTo("closed");
    }
    Await.noConnections(proxy);
    assertThat(proxy.stats().sessions()).isZero();
  }

  @Test
  void directTlsOfferingOtherProtocolsGetsTheAlert() throws Exception {
    try (SSLSocket tls = direct("http/1.1", "h2")) {
      assertThatThrownBy(tls::startHandshake)
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("no_application_protocol");
    }
    Await.noConnections(proxy);
  }

  @Test
  void directTlsSelectsAlpnPostgresql() throws Exception {
    try (SSLSocket tls = direct("http/1.1", "postgresql")) {
      tls.startHandshake();
      assertThat(tls.getApplicationProtocol()).isEqualTo("postgresql");
      assertThat(login(tls)).isEqualTo("ready");
    }
  }

  @Test
  void tls12RenegotiationEndsTheSession() throws Exception {
    try (SSLSocket tls = afterSslRequest("TLSv1.2")) {
      tls.startHandshake();
      assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(login(tls)).isEqualTo("ready");
      assertThat(proxy.sessions()).hasSize(1);

      tls.startHandshake(); // sends a ClientHello; the answer comes with the next read
      OutputStream out = tls.getOutputStream();
      InputStream in = tls.getInputStream();
      assertThatThrownBy(
              () -> {
                out.write(query("SELECT 1"));
                readUntilReady(in);
              })
          .isInstanceOf(SSLException.class)
          .hasMessage("Received close_notify during handshake");
    }
    // The session ended (no handshake left half-done, no loop spinning on it).
    Await.until("the session to end", Duration.ofSeconds(10), () -> proxy.sessions().isEmpty());
    Await.noConnections(proxy);
  }

  @Test
  void tls13ClientsKeepTheirSessionAcrossKeyUpdates() throws Exception {
    try (SSLSocket tls = afterSslRequest("TLSv1.3")) {
      tls.startHandshake();
      assertThat(login(tls)).isEqualTo("ready");
      tls.startHandshake(); // on TLS 1.3 the JDK sends a KeyUpdate, which is not renegotiation
      tls.getOutputStream().write(query("SELECT 1"));
      assertThat(readUntilReady(tls.getInputStream())).isEqualTo("ready");
    }
  }

  private static byte[] query(String sql) {
    byte[] text = (sql + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.nio.ByteBuffer.allocate(5 + text.length)
        .put((byte) 'Q')
        .putInt(4 + text.length)
        .put(text)
        .array();
  }
}
