package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * How the first bytes of a connection are cut into startup packets, before anything is decoded:
 * a TLS handshake record (direct TLS), or a length word and that many bytes.
 */
public final class StartupFraming {
  /** The content type of a TLS handshake record: a ClientHello sent without SSLRequest. */
  private static final byte TLS_HANDSHAKE = 0x16;

  /** No packet is complete yet. */
  public static final int INCOMPLETE = -1;

  private StartupFraming() {}

  /**
   * Returns whether the bytes read so far (filling mode, from index 0) open a TLS handshake
   * instead of a startup packet. A startup packet's length word starts with 0, as no packet is
   * anywhere near 0x16000000 bytes long, so one byte decides.
   */
  public static boolean startsTlsHandshake(ByteBuffer in) {
    return in.position() > 0 && in.get(0) == TLS_HANDSHAKE;
  }

  /**
   * Returns the length of the packet at index 0 of {@code in} (filling mode) once all of it has
   * arrived, else {@link #INCOMPLETE}.
   *
   * @throws ProtocolException if the length word is outside 8..{@link StartupPacket#MAX_LENGTH}
   */
  public static int completePacket(ByteBuffer in) throws ProtocolException {
    if (in.position() < 4) {
      return INCOMPLETE;
    }
    int length = in.getInt(0);
    if (length < 8 || length > StartupPacket.MAX_LENGTH) {
      throw new ProtocolException("invalid length of startup packet");
    }
    return in.position() < length ? INCOMPLETE : length;
  }
}
