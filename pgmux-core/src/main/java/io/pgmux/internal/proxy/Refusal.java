package io.pgmux.internal.proxy;

import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The proxy's own FATAL error on its way to a client that is being turned away. It reports
 * whether the message is out; the session closes then, or when its refusal timer says the client
 * is not reading.
 */
final class Refusal {
  /** The encoded ErrorResponse. Draining mode. */
  private final ByteBuffer message;

  Refusal(ProxyError error) {
    this.message = error.encode();
  }

  /** Writes what the client takes now; returns true once the whole message is out. */
  boolean send(Transport client) throws IOException {
    client.write(message);
    return !message.hasRemaining() && client.flush();
  }

  /**
   * Sends the first of the message; returns true when there is no more to wait for: the message
   * is out, or the client's socket failed.
   */
  boolean start(Transport client) {
    try {
      return send(client);
    } catch (IOException e) {
      return true;
    }
  }
}
