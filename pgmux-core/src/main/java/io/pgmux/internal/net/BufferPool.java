package io.pgmux.internal.net;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers of one size, reused by the sessions of one event loop. Sessions hold a buffer
 * only while bytes are in flight, so an idle session holds none; that keeps the cost of many idle
 * sessions small.
 *
 * <p>Not thread-safe: only the owning event loop touches it.
 */
public final class BufferPool {
  /** Large enough for one TLS record plus its overhead (SSLSession.getPacketBufferSize()). */
  public static final int BUFFER_SIZE = 32 * 1024;

  /** Buffers acquired and not yet released, across all pools: for tests that look for leaks. */
  private static final AtomicLong LIVE = new AtomicLong();

  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private final int maxFree;

  public BufferPool(int maxFree) {
    this.maxFree = maxFree;
  }

  /** Returns a cleared buffer of {@link #BUFFER_SIZE} bytes, in filling mode. */
  public ByteBuffer acquire() {
    LIVE.incrementAndGet();
    ByteBuffer buffer = free.pollFirst();
    return buffer != null ? buffer : ByteBuffer.allocateDirect(BUFFER_SIZE);
  }

  /**
   * Takes back a buffer from {@link #acquire()}. Other buffers (heap ones that carry the proxy's
   * own messages) are ignored, so callers need not tell them apart.
   */
  public void release(ByteBuffer buffer) {
    if (buffer == null || !buffer.isDirect() || buffer.capacity() != BUFFER_SIZE) {
      return;
    }
    LIVE.decrementAndGet();
    if (free.size() < maxFree) {
      free.addFirst(buffer.clear());
    }
  }

  /** Returns how many pooled buffers are in use in the whole JVM. For tests only. */
  public static long liveBuffers() {
    return LIVE.get();
  }
}
