package io.pgmux.internal.proxy;

import io.pgmux.internal.net.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A transport without a socket for unit tests: reads hand out the chunks a test fed, one chunk
 * (or what fits of it) per read, then 0 until more is fed, then -1 after {@link #end()}. Writes
 * are recorded, and take at most {@link #room(int)} bytes while a test holds the sink back.
 */
final class ScriptedTransport extends Transport {
  private final ArrayDeque<ByteBuffer> input = new ArrayDeque<>();
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private boolean ended;
  private long room = Long.MAX_VALUE;
  private int reads;
  private int emptyReads;
  private int writes;
  boolean outboundClosed;

  ScriptedTransport() {
    super(null);
  }

  /** Queues {@code chunks}, each one read's worth at most. */
  ScriptedTransport feed(byte[]... chunks) {
    for (byte[] chunk : chunks) {
      input.add(ByteBuffer.wrap(chunk));
    }
    return this;
  }

  /** The peer closes once the fed chunks are read. */
  void end() {
    ended = true;
  }

  /** Lets writes take only {@code bytes} more bytes, until called again. */
  void room(long bytes) {
    room = bytes;
  }

  /** Returns and forgets what was written. */
  byte[] takeWritten() {
    byte[] bytes = written.toByteArray();
    written.reset();
    return bytes;
  }

  /** Returns how many reads returned data or end of stream. */
  int reads() {
    return reads;
  }

  /** Returns how many reads found nothing to return: the calls a relay made in vain. */
  int emptyReads() {
    return emptyReads;
  }

  /** Returns how many writes took bytes. */
  int writes() {
    return writes;
  }

  boolean drained() {
    return input.isEmpty();
  }

  /** Whether a level-triggered selector would report the transport readable: bytes or the end wait. */
  boolean readable() {
    return !input.isEmpty() || ended;
  }

  @Override
  public int read(ByteBuffer dst) {
    ByteBuffer chunk = input.peek();
    if (chunk == null) {
      if (ended) {
        reads++;
        return -1;
      }
      emptyReads++;
      return 0;
    }
    int n = Math.min(chunk.remaining(), dst.remaining());
    dst.put(chunk.slice(chunk.position(), n));
    chunk.position(chunk.position() + n);
    if (!chunk.hasRemaining()) {
      input.poll();
    }
    reads++;
    return n;
  }

  @Override
  public int write(ByteBuffer src) {
    int n = (int) Math.min(src.remaining(), room);
    byte[] bytes = new byte[n];
    src.get(bytes);
    written.writeBytes(bytes);
    if (n > 0) {
      writes++;
    }
    if (room != Long.MAX_VALUE) {
      room -= n;
    }
    return n;
  }

  @Override
  public boolean flush() {
    return true;
  }

  @Override
  public boolean hasQueuedOutput() {
    return false;
  }

  @Override
  public boolean needsRead() {
    return false;
  }

  @Override
  public boolean hasBufferedInput() {
    return false;
  }

  @Override
  public void closeOutbound() {
    outboundClosed = true;
  }

  @Override
  public void release() {}
}
