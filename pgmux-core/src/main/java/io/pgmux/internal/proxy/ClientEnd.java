package io.pgmux.internal.proxy;

import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * The client's side of a session's end: the proxy's goodbye when it stops, TLS close_notify, and
 * the socket closed and its buffers released.
 */
final class ClientEnd {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private ClientEnd() {}

  /** Tells the client that the proxy shuts down, as far as its socket takes it now. */
  static void goodbye(Transport client) {
    try {
      client.write(ProxyError.shuttingDown().encode());
    } catch (IOException | RuntimeException e) {
      // Best effort: the client is going away either way.
    }
  }

  /**
   * Closes the client's connection and releases its buffers.
   *
   * @param cut whether the stream to the client was cut mid-message (no close_notify then)
   */
  static void close(Transport client, boolean cut) {
    if (client.handshakeDone() && !cut) {
      client.closeOutbound(); // TLS close_notify, as PostgreSQL sends on every close
    }
    try {
      client.channel().close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing client socket", e);
    }
    client.release();
  }
}
