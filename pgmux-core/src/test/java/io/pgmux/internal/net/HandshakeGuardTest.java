package io.pgmux.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.TestTls;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * The guard against JDK engines talking to each other in memory: a server engine as the proxy
 * makes it, a client engine that negotiates ALPN or not, and renegotiates or updates keys.
 */
class HandshakeGuardTest {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  /** Client to server and server to client records; filling mode. */
  private final ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
  private final ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
  private final ByteBuffer application = ByteBuffer.allocate(1 << 17);
  /** The guard's first refusal while the server engine was driven, or null. */
  private String refusal;

  private static SSLEngine server() {
    SSLEngine engine = TestTls.rsa().context().createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {HandshakeGuard.ALPN_PROTOCOL});
    engine.setSSLParameters(parameters);
    return engine;
  }

  private static SSLEngine client(String protocol, String... alpn) {
    SSLEngine engine = TestTls.clientContext().createSSLEngine("localhost", 5432);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(new String[] {protocol});
    parameters.setApplicationProtocols(alpn);
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** Moves records both ways until neither engine has anything to do (bounded). */
  private void exchange(SSLEngine client, SSLEngine server, HandshakeGuard guard)
      throws SSLException {
    for (int i = 0; i < 50; i++) {
      boolean moved = step(client, toClient, toServer);
      if (refusal == null) {
        refusal = guard.check(server, server.getHandshakeStatus());
      }
      if (refusal != null) {
        return; // the transport stops here: the engine runs nothing more
      }
      moved |= step(server, toServer, toClient);
      if (!moved) {
        return;
      }
    }
    throw new AssertionError("the engines did not settle");
  }

  private boolean step(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws SSLException {
    Runnable task;
    boolean moved = false;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
      moved = true;
    }
    if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
      moved |= engine.wrap(EMPTY, out).bytesProduced() > 0;
    }
    if (in.position() > 0) {
      in.flip();
      moved |= engine.unwrap(in, application.clear()).bytesConsumed() > 0;
      in.compact();
    }
    return moved;
  }

  @Test
  void directTlsWithoutAlpnIsRefusedOnceTheHandshakeCompletes() throws Exception {
    SSLEngine server = server();
    SSLEngine client = client("TLSv1.3");
    client.beginHandshake();
    server.beginHandshake();
    exchange(client, server, new HandshakeGuard(true));
    assertThat(server.getApplicationProtocol()).isEmpty();
    assertThat(refusal).isEqualTo("direct TLS without the ALPN protocol \"postgresql\"");
  }

  @Test
  void directTlsWithAlpnAndSslRequestWithoutAlpnGoOn() throws Exception {
    for (boolean direct : new boolean[] {true, false}) {
      refusal = null;
      toServer.clear();
      toClient.clear();
      SSLEngine server = server();
      SSLEngine client = direct ? client("TLSv1.3", "postgresql") : client("TLSv1.3");
      client.beginHandshake();
      server.beginHandshake();
      exchange(client, server, new HandshakeGuard(direct));
      assertThat(server.getHandshakeStatus()).isEqualTo(HandshakeStatus.NOT_HANDSHAKING);
      assertThat(refusal).as("direct " + direct).isNull();
    }
  }

  @Test
  void tls12RenegotiationIsRefusedBeforeTheEngineRunsIt() throws Exception {
    SSLEngine server = server();
    SSLEngine client = client("TLSv1.2");
    HandshakeGuard guard = new HandshakeGuard(false);
    client.beginHandshake();
    server.beginHandshake();
    exchange(client, server, guard);
    assertThat(refusal).isNull();
    assertThat(server.getSession().getProtocol()).isEqualTo("TLSv1.2");

    client.beginHandshake(); // a new ClientHello
    exchange(client, server, guard);
    assertThat(refusal).isEqualTo("the client tried to renegotiate TLS");
  }

  @Test
  void tls13KeyUpdateGoesOn() throws Exception {
    SSLEngine server = server();
    SSLEngine client = client("TLSv1.3");
    HandshakeGuard guard = new HandshakeGuard(false);
    client.beginHandshake();
    server.beginHandshake();
    exchange(client, server, guard);
    client.beginHandshake(); // on TLS 1.3: a KeyUpdate
    exchange(client, server, guard);
    assertThat(refusal).isNull();
  }
}
