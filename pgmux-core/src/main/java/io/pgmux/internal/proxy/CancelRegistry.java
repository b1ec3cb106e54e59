package io.pgmux.internal.proxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which backend issued which cancel key. A client cancels by opening a new connection that carries
 * only the key, so the key alone must lead back to the backend. Under proxy-side authentication
 * the client holds a key of the proxy's own, which leads to the backend's real one.
 */
final class CancelRegistry {
  /**
   * Where a client's key leads.
   *
   * @param backendKey the key to send the backend (process id then secret): the client's own in
   *     passthrough, the backend's behind a key of the proxy's
   */
  record Target(InetSocketAddress backend, byte[] backendKey) {}

  private final ConcurrentHashMap<ByteBuffer, Target> targets = new ConcurrentHashMap<>();

  /** Records that {@code backend} issued {@code key} (process id then secret, as sent). */
  void register(byte[] key, InetSocketAddress backend) {
    register(key, backend, key);
  }

  /** Records that the client's {@code key} stands for {@code backendKey} at {@code backend}. */
  void register(byte[] key, InetSocketAddress backend, byte[] backendKey) {
    targets.put(ByteBuffer.wrap(key), new Target(backend, backendKey));
  }

  void unregister(byte[] key, InetSocketAddress backend) {
    targets.computeIfPresent(
        ByteBuffer.wrap(key), (k, target) -> target.backend().equals(backend) ? null : target);
  }

  /** Returns where {@code key} leads, or null. */
  Target targetFor(byte[] key) {
    return targets.get(ByteBuffer.wrap(key));
  }

  /** Returns the backend that issued {@code key}, or null. */
  InetSocketAddress backendFor(byte[] key) {
    Target target = targetFor(key);
    return target == null ? null : target.backend();
  }

  int size() {
    return targets.size();
  }
}
