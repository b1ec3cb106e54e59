package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.ClientAuth;
import io.pgmux.internal.auth.AuthException;
import io.pgmux.internal.auth.ChannelBinding;
import io.pgmux.internal.auth.ClientAuthenticator;
import io.pgmux.internal.auth.ClientCheck;
import io.pgmux.internal.auth.ClientLogin;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;

/**
 * The client's login under proxy-side authentication, on the client's socket: the route's
 * challenge out, the client's answers in, until the client is authenticated (AuthenticationOk
 * written) or has failed. No backend connection exists meanwhile, so a wrong password costs the
 * backend nothing. The session asks {@link #done()} and {@link #failure()} after each call.
 *
 * <p>All methods run on the session's event loop.
 */
final class ProxyAuthentication {
  private static final int READ_SIZE = 8192;

  private final Transport client;
  private final ClientLogin login;
  /** What the client has yet to receive. Draining mode; null when none. */
  private ByteBuffer pending;
  private ProxyError failure;
  private boolean clientGone;

  /**
   * @param binding tls-server-end-point data of the proxy's certificate when the client came over
   *     TLS, else null
   * @param rest what the client sent after its startup message
   */
  ProxyAuthentication(
      Transport client, ClientAuth auth, StartupMessage startup, byte[] binding, ByteBuffer rest) {
    this.client = client;
    this.login =
        new ClientLogin(
            new ClientAuthenticator(ClientCheck.of(auth), startup.user(), binding),
            startup.minorVersion(),
            startup.parameters());
    this.pending = login.start();
    if (rest.hasRemaining()) {
      accept(rest);
    }
  }

  /** Returns the tls-server-end-point data of the proxy's certificate for a TLS client, else null. */
  static byte[] channelBinding(Transport client) {
    X509Certificate certificate = client.localCertificate();
    return certificate == null ? null : ChannelBinding.tlsServerEndPoint(certificate);
  }

  /** Sends what is due and reads the client's answers, as far as the socket allows. */
  void readable() throws IOException {
    if (!flush()) {
      return;
    }
    ByteBuffer in = ByteBuffer.allocate(READ_SIZE);
    while (failure == null && !login.done() && pending == null) {
      in.clear();
      int n = client.read(in);
      if (n < 0) {
        clientGone = true;
        return;
      }
      if (n == 0) {
        return;
      }
      accept(in.flip());
      flush();
    }
  }

  void writable() throws IOException {
    if (flush() && !login.done()) {
      readable();
    }
  }

  private void accept(ByteBuffer in) {
    try {
      ByteBuffer reply = login.accept(in);
      if (reply != null) {
        pending =
            pending == null
                ? reply
                : ByteBuffer.allocate(pending.remaining() + reply.remaining())
                    .put(pending)
                    .put(reply)
                    .flip();
      }
    } catch (AuthException e) {
      failure = new ProxyError(e.sqlState(), "pgmux: " + e.getMessage());
    } finally {
      in.clear();
      while (in.hasRemaining()) {
        in.put((byte) 0); // it held the client's password or proof
      }
    }
  }

  /** Writes what is pending; returns true once nothing is. */
  private boolean flush() throws IOException {
    if (pending != null) {
      client.write(pending);
      if (pending.hasRemaining()) {
        return false;
      }
      pending = null;
    }
    return client.flush();
  }

  /** Returns the interest the client's socket needs. */
  int clientOps() {
    if (failure != null || clientGone) {
      return 0;
    }
    if (pending != null) {
      return OP_WRITE;
    }
    return login.done() ? 0 : OP_READ;
  }

  /** Returns whether the client is authenticated and has been sent everything so far. */
  boolean done() {
    return login.done() && pending == null && !client.hasQueuedOutput();
  }

  /** Returns why the client was refused, or null. */
  ProxyError failure() {
    return failure;
  }

  /** Returns whether the client closed its connection. */
  boolean clientGone() {
    return clientGone;
  }

  /** Returns whether no message is half sent, so the proxy may send an error of its own. */
  boolean atBoundary() {
    return pending == null && !client.hasQueuedOutput();
  }

  /** What the client sent after its last authentication message, for the backend. */
  ByteBuffer rest() {
    return login.rest();
  }
}
