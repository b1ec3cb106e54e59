package io.pgmux.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

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
}
