package io.pgmux.internal.proxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which backend issued which cancel key. A client cancels by opening a new connection that carries
 * only the key, so the key alone must lead back to the backend.
 */
final class CancelRegistry {
  private final ConcurrentHashMap<ByteBuffer, InetSocketAddress> backends = new ConcurrentHashMap<>();

  /** Records that {@code backend} issued {@code key} (process id then secret, as sent). */
  void register(byte[] key, InetSocketAddress backend) {
    backends.put(ByteBuffer.wrap(key), backend);
  }

  void unregister(byte[] key, InetSocketAddress backend) {
    backends.remove(ByteBuffer.wrap(key), backend);
  }

  /** Returns the backend that issued {@code key}, or null. */
  InetSocketAddress backendFor(byte[] key) {
    return backends.get(ByteBuffer.wrap(key));
  }

  int size() {
    return backends.size();
  }
}
