package io.pgmux.internal.auth;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The cancel keys the proxy hands out under proxy-side authentication, and the protocol version it
 * agrees with the client, which decides their length.
 *
 * <p>A proxy key keeps the backend's process id, so {@code BackendKeyData} still matches {@code
 * pg_backend_pid()}, and carries a fresh random secret: 4 bytes in protocol 3.0 and 3.1, 32 bytes
 * (as PostgreSQL 18 sends) from 3.2 on, whatever length the backend itself used.
 */
public final class CancelKeys {
  /** The newest protocol minor version the proxy speaks. */
  public static final int NEWEST_MINOR = 2;

  private CancelKeys() {}

  /** Makes the client's key for a backend key (process id then secret). */
  @FunctionalInterface
  public interface Issuer {
    byte[] issue(byte[] backendKey);
  }

  /** Returns an issuer of random secrets sized for the client's protocol minor version. */
  public static Issuer forClient(int clientMinor) {
    int secretLength = Math.min(clientMinor, NEWEST_MINOR) >= 2 ? 32 : 4;
    return backendKey -> {
      byte[] secret = Scram.random(secretLength);
      return ByteBuffer.allocate(4 + secretLength).put(backendKey, 0, 4).put(secret).array();
    };
  }

  /**
   * Returns the NegotiateProtocolVersion the proxy owes a client that asked for a newer minor
   * version than 3.2 or for protocol options ({@code _pq_.*}), as PostgreSQL 18 answers; null when
   * none is due.
   */
  public static ByteBuffer negotiation(int clientMinor, Map<String, String> parameters) {
    List<String> options =
        parameters.keySet().stream().filter(name -> name.startsWith("_pq_.")).toList();
    if (clientMinor <= NEWEST_MINOR && options.isEmpty()) {
      return null;
    }
    int length = 4 + 4 + 4;
    for (String option : options) {
      length += option.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
    }
    ByteBuffer out = ByteBuffer.allocate(1 + length);
    out.put((byte) 'v').putInt(length);
    out.putInt((3 << 16) | Math.min(clientMinor, NEWEST_MINOR));
    out.putInt(options.size());
    for (String option : options) {
      out.put(option.getBytes(java.nio.charset.StandardCharsets.UTF_8)).put((byte) 0);
    }
    return out.flip();
  }
}
