package io.pgmux.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendTls;
import io.pgmux.TlsConfig;
import io.pgmux.test.TestTls;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * Backend TLS modes through real handshakes between a client engine and a server engine in
 * memory: what each libpq mode accepts and refuses.
 */
class BackendEnginesTest {
  private static final TlsConfig LOCALHOST = TestTls.rsa(); // localhost, 127.0.0.1
  private static final TlsConfig OTHER =
      TlsConfig.pem(TestTls.file("other.crt"), TestTls.file("other-pkcs8.key")); // db.example.test

  @Test
  void requireAcceptsAnyCertificate() throws Exception {
    SSLEngine client = connect(BackendTls.require(), "127.0.0.1", OTHER);
    assertThat(BackendEngines.check(BackendTls.require(), client, "127.0.0.1")).isNull();
  }

  @Test
  void requireWithRootCertificateChecksTheChainLikeVerifyCa() {
    BackendTls tls = BackendTls.require().withRootCertificate(TestTls.file("rsa.crt"));
    assertThat(tls.verifiesChain()).isTrue();
    assertThat(tls.verifiesHostName()).isFalse();
    assertThatThrownBy(() -> connect(tls, "127.0.0.1", OTHER)).isInstanceOf(SSLException.class);
  }

  @Test
  void verifyCaChecksChainButNotName() throws Exception {
    BackendTls tls = BackendTls.verifyCa(TestTls.file("other.crt"));
    SSLEngine client = connect(tls, "127.0.0.1", OTHER);
    assertThat(BackendEngines.check(tls, client, "127.0.0.1")).isNull();
    assertThatThrownBy(() -> connect(tls, "127.0.0.1", LOCALHOST)).isInstanceOf(SSLException.class);
  }

  @Test
  void verifyFullChecksTheHostName() throws Exception {
    BackendTls tls = BackendTls.verifyFull(TestTls.file("other.crt"));
    SSLEngine client = connect(tls, "127.0.0.1", OTHER);
    assertThat(BackendEngines.check(tls, client, "127.0.0.1"))
        .isEqualTo(
            "server certificate for \"db.example.test\" (and 2 other names) does not match host name \"127.0.0.1\"");
    assertThat(BackendEngines.check(tls, client, "db.example.test")).isNull();
    assertThat(BackendEngines.check(tls, client, "x.db.example.test")).isNull();
    assertThat(BackendEngines.check(tls, client, "y.x.db.example.test")).isNotNull();

    BackendTls local = BackendTls.verifyFull(TestTls.file("rsa.crt"));
    SSLEngine ok = connect(local, "127.0.0.1", LOCALHOST);
    assertThat(BackendEngines.check(local, ok, "127.0.0.1")).isNull();
    assertThat(BackendEngines.check(local, ok, "LOCALHOST")).isNull();
  }

  @Test
  void sendsSniForNamesOnlyAndOffersAlpn() {
    SSLEngine named = BackendEngines.create(BackendTls.require(), "db.example.test", 5432);
    SSLParameters p = named.getSSLParameters();
    assertThat(p.getServerNames()).hasSize(1);
    assertThat(p.getApplicationProtocols()).containsExactly("postgresql");
    assertThat(p.getProtocols()).doesNotContain("TLSv1", "TLSv1.1");
    assertThat(BackendEngines.create(BackendTls.require(), "127.0.0.1", 5432).getSSLParameters().getServerNames())
        .isEmpty();
  }

  @Test
  void directNegotiationInsistsOnAlpn() throws Exception {
    BackendTls direct = BackendTls.require().withNegotiation(BackendTls.Negotiation.DIRECT);
    SSLEngine client = connect(direct, "127.0.0.1", LOCALHOST); // the proxy's server engine selects it
    assertThat(client.getApplicationProtocol()).isEqualTo("postgresql");
    assertThat(BackendEngines.check(direct, client, "127.0.0.1")).isNull();
  }

  /** Runs a handshake in memory; returns the client engine, or throws what the client threw. */
  static SSLEngine connect(BackendTls tls, String host, TlsConfig server) throws SSLException {
    SSLEngine client = BackendEngines.create(tls, host, 5432);
    SSLEngine serverEngine = server.context().createSSLEngine();
    serverEngine.setUseClientMode(false);
    SSLParameters sp = serverEngine.getSSLParameters();
    sp.setApplicationProtocols(new String[] {"postgresql"});
    serverEngine.setSSLParameters(sp);
    ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
    ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
    ByteBuffer app = ByteBuffer.allocate(1 << 17);
    client.beginHandshake();
    serverEngine.beginHandshake();
    for (int i = 0; i < 1000; i++) {
      step(client, toClient, toServer, app);
      try {
        step(serverEngine, toServer, toClient, app);
      } catch (SSLException e) {
        // The server noticed the client's alert; the client's own failure is what counts.
      }
      if (done(client) && done(serverEngine)) {
        return client;
      }
    }
    throw new AssertionError("handshake did not finish");
  }

  private static boolean done(SSLEngine engine) {
    HandshakeStatus s = engine.getHandshakeStatus();
    return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
  }

  private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer app)
      throws SSLException {
    while (true) {
      HandshakeStatus s = engine.getHandshakeStatus();
      if (s == HandshakeStatus.NEED_TASK) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
          task.run();
        }
      } else if (s == HandshakeStatus.NEED_WRAP) {
        engine.wrap(ByteBuffer.allocate(0), out);
      } else if (s == HandshakeStatus.NEED_UNWRAP || s == HandshakeStatus.NEED_UNWRAP_AGAIN) {
        in.flip();
        int before = in.remaining();
        app.clear();
        engine.unwrap(in, app);
        boolean progressed = in.remaining() != before || engine.getHandshakeStatus() != s;
        in.compact();
        if (!progressed) {
          return;
        }
      } else {
        return;
      }
    }
  }
}
