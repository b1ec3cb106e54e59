package io.pgmux.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.cert.X509Certificate;

/** One connected socket as a session sees it: application bytes in and out, plain or TLS. */
public abstract class Transport {
  protected final SocketChannel channel;

  protected Transport(SocketChannel channel) {
    this.channel = channel;
  }

  public final SocketChannel channel() {
    return channel;
  }

  /**
   * Reads application bytes into {@code dst}.
   *
   * @return the count read, 0 if none can be read before the socket becomes readable (or, for TLS,
   *     writable), or -1 at the end of the stream
   */
  public abstract int read(ByteBuffer dst) throws IOException;

  /**
   * Takes application bytes from {@code src}, sending what the socket accepts now and queueing at
   * most one record more. Returns the count taken.
   */
  public abstract int write(ByteBuffer src) throws IOException;

  /** Sends queued bytes; returns true when nothing is left queued. */
  public abstract boolean flush() throws IOException;

  /** Returns true if bytes are queued that the socket has not taken yet. */
  public abstract boolean hasQueuedOutput();

  /**
   * Returns true if the transport itself needs the socket to become readable to make progress
   * (a TLS handshake waiting for the peer), whether or not the session wants data.
   */
  public abstract boolean needsRead();

  /**
   * Returns true while the transport works off the loop (a TLS handshake step on another thread):
   * it must not be read until it calls back.
   */
  public boolean busy() {
    return false;
  }

  /** Returns true if input is already decoded or buffered, so no socket event will announce it. */
  public abstract boolean hasBufferedInput();

  /** Releases buffers; the socket is closed by the caller. */
  public abstract void release();

  public boolean isTls() {
    return false;
  }

  /**
   * Returns the interest ops for the socket: {@code wanted} (the session's), plus writing while
   * bytes are queued and, if {@code handshakeReads}, reading while a handshake waits for the peer;
   * never reading while {@link #busy()}.
   */
  public final int interestOps(int wanted, boolean handshakeReads) {
    int ops = wanted;
    if (hasQueuedOutput()) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (handshakeReads && needsRead()) {
      ops |= SelectionKey.OP_READ;
    }
    if (busy()) {
      ops &= ~SelectionKey.OP_READ; // nothing to do with bytes until the step is back
    }
    return ops;
  }

  /** Returns true once a TLS handshake has completed; a plain socket has none to wait for. */
  public boolean handshakeDone() {
    return true;
  }

  /** Returns the host name the client sent in TLS SNI, or null (always null without TLS). */
  public String serverName() {
    return null;
  }

  /** Called on the loop once work handed off while {@link #busy()} has run. */
  public void resumed() {}

  /**
   * Ends the sending side as the protocol under the bytes asks: TLS queues close_notify and tries
   * once to send it. Call before closing the socket. Never throws.
   */
  public void closeOutbound() {}

  /**
   * Returns the certificate this side presented in its TLS handshake, or null: the proxy's own for
   * a client, which SCRAM channel binding (tls-server-end-point) hashes.
   */
  public X509Certificate localCertificate() {
    return null;
  }
}
