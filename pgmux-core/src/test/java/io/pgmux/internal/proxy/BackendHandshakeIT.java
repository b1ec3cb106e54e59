package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.internal.auth.BackendAuthenticator;
import io.pgmux.internal.auth.CancelKeys;
import io.pgmux.internal.auth.ProxyLogin;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.TlsTransport;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import io.pgmux.test.TestPostgres;
import io.pgmux.test.TestTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend side of a login, TLS negotiation and the proxy's own login, against real PostgreSQL
 * servers, driven by a selector of the test's own.
 */
class BackendHandshakeIT {
  static TestPostgres tls18;
  static TestPostgres other18;
  static TestPostgres plain18;
  static TestPostgres tls15;

  @BeforeAll
  static void start() {
    tls15 = TestPostgres.withTls(TestPostgres.V15, "rsa");
    tls18 = TestPostgres.withTls(TestPostgres.CURRENT, "rsa");
    other18 = TestPostgres.withTls(TestPostgres.CURRENT, "other");
    plain18 = TestPostgres.current();
  }

  @AfterAll
  static void stop() {
    for (TestPostgres p : new TestPostgres[] {tls18, other18, plain18, tls15}) {
      if (p != null) {
        p.close();
      }
    }
  }

  /** Every handshake a test ran, given back after it: pooled buffers are counted JVM-wide. */
  private final List<BackendHandshake> handshakes = new ArrayList<>();

  @AfterEach
  void releaseHandshakes() throws IOException {
    for (BackendHandshake handshake : handshakes) {
      if (handshake.done()) {
        handshake.transport().release();
      } else {
        handshake.release();
      }
      if (handshake.transport() != null) {
        handshake.transport().channel().close();
      }
    }
    assertThat(BufferPool.liveBuffers()).as("pooled buffers left by the handshakes").isZero();
  }

  private BackendHandshake run(BackendConfig config, boolean proxyLogin) throws IOException {
    BufferPool pool = new BufferPool(4);
    SocketChannel channel = SocketChannel.open(new InetSocketAddress(config.host(), config.port()));
    channel.configureBlocking(false);
    AtomicBoolean resume = new AtomicBoolean();
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", config.user());
    parameters.put("database", "postgres");
    ByteBuffer startup = new StartupMessage(3, 0, parameters).encode();
    BackendHandshake handshake =
        new BackendHandshake(
            config,
            config.tls(),
            channel,
            pool,
            Runnable::run,
            () -> resume.set(true),
            startup,
            proxyLogin
                ? (tls, binding) ->
                    new ProxyLogin(
                        new BackendAuthenticator(
                            config.user(),
                            config.password(),
                            tls,
                            binding,
                            config.tls().channelBindingRequired()),
                        CancelKeys.forClient(0))
                : null);
    try (Selector selector = Selector.open()) {
      SelectionKey key = channel.register(selector, 0);
      handshake.start();
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!handshake.done() && !handshake.failed() && System.nanoTime() < deadline) {
        if (resume.getAndSet(false)) {
          ((TlsTransport) handshake.transport()).resumed();
          handshake.step();
          continue;
        }
        key.interestOps(handshake.interestOps());
        selector.select(100);
        selector.selectedKeys().clear();
        handshake.step();
      }
    }
    if (!handshake.done()) {
      channel.close();
    }
    handshakes.add(handshake);
    return handshake;
  }

  private static BackendConfig tlsUser(TestPostgres server, BackendTls tls) {
    return new BackendConfig(server.host(), server.port(), "tls_user", null).withTls(tls);
  }

  @Test
  void requireGivesATlsTransport() throws IOException {
    BackendHandshake h = run(tlsUser(tls18, BackendTls.require()), false);
    assertThat(h.done()).as("%s", h.failure()).isTrue();
    assertThat(h.transport().isTls()).isTrue();
    h.transport().channel().close();
  }

  @Test
  void preferFallsBackToPlainWhenTheBackendSaysN() throws IOException {
    BackendHandshake h = run(tlsUser(plain18, BackendTls.prefer()), false);
    assertThat(h.done()).isTrue();
    assertThat(h.transport().isTls()).isFalse();
    h.transport().channel().close();
  }

  @Test
  void requireRefusedByTheBackendIs08001NamingItsAnswer() throws IOException {
    BackendHandshake h = run(tlsUser(plain18, BackendTls.require()), false);
    assertThat(h.failed()).isTrue();
    assertThat(h.failure().sqlState()).isEqualTo("08001");
    assertThat(h.failure().message())
        .isEqualTo(
            "pgmux: backend " + plain18.host() + ":" + plain18.port()
                + ": the backend does not support TLS (it answered N to the SSLRequest), and the"
                + " route requires sslmode=require");
  }

  @Test
  void verifyFullRefusesAWrongHostNameAndVerifyCaDoesNot() throws IOException {
    BackendHandshake full = run(tlsUser(other18, BackendTls.verifyFull(TestTls.file("other.crt"))), false);
    assertThat(full.failed()).isTrue();
    assertThat(full.failure().message())
        .endsWith("server certificate for \"db.example.test\" (and 2 other names) does not match host name \"127.0.0.1\"");
    BackendHandshake ca = run(tlsUser(other18, BackendTls.verifyCa(TestTls.file("other.crt"))), false);
    assertThat(ca.done()).isTrue();
    ca.transport().channel().close();
    BackendHandshake wrongRoot = run(tlsUser(other18, BackendTls.verifyCa(TestTls.file("rsa.crt"))), false);
    assertThat(wrongRoot.failed()).isTrue();
    assertThat(wrongRoot.failure().message()).contains("TLS with the backend failed");
  }

  @Test
  void proxyLogsInWithScramPlusOverTls() throws IOException {
    for (TestPostgres server : new TestPostgres[] {tls18, tls15}) {
      BackendConfig config =
          tlsUser(server, BackendTls.verifyFull(TestTls.file("rsa.crt")).requireChannelBinding())
              .withPassword(TestPostgres.PASSWORD.toCharArray());
      BackendHandshake h = run(config, true);
      assertThat(h.done()).as("%s: %s", server, h.failure()).isTrue();
      assertThat(h.proxyLogin().channelBound()).isTrue();
      ByteBuffer toClient = h.toClient();
      assertThat(toClient.get(toClient.limit() - 6)).isEqualTo((byte) 'Z');
      assertThat(h.proxyLogin().proxyKey()).hasSize(8);
      h.transport().channel().close();
    }
  }

  @Test
  void directTlsWorksWithPostgres18AndNotWith15() throws IOException {
    BackendTls direct =
        BackendTls.verifyFull(TestTls.file("rsa.crt")).withNegotiation(BackendTls.Negotiation.DIRECT);
    BackendHandshake h18 =
        run(tlsUser(tls18, direct).withPassword(TestPostgres.PASSWORD.toCharArray()), true);
    assertThat(h18.done()).as("%s", h18.failure()).isTrue();
    h18.transport().channel().close();
    BackendHandshake h15 = run(tlsUser(tls15, direct), false);
    assertThat(h15.failed()).isTrue();
  }

  @Test
  void proxyLogsInWithMd5AndCleartextOverPlain() throws IOException {
    for (String user : new String[] {"md5_user", "clear_user", "scram_user"}) {
      BackendConfig config =
          new BackendConfig(plain18.host(), plain18.port(), user, null)
              .withPassword(TestPostgres.PASSWORD.toCharArray());
      BackendHandshake h = run(config, true);
      assertThat(h.done()).as("%s: %s", user, h.failure()).isTrue();
      h.transport().channel().close();
    }
  }

  @Test
  void wrongBackendPasswordEndsWithTheBackendsOwnError() throws IOException {
    BackendConfig config =
        new BackendConfig(plain18.host(), plain18.port(), "scram_user", null)
            .withPassword("wrong".toCharArray());
    BackendHandshake h = run(config, true);
    assertThat(h.failed()).isTrue();
    assertThat(h.failure().sqlState()).isEqualTo("28P01");
    assertThat(h.failure().message())
        .isEqualTo(
            "pgmux: backend " + plain18.host() + ":" + plain18.port()
                + ": password authentication failed for user \"scram_user\"");
  }
}
