package io.pgmux.internal.tap;

/**
 * Watches, and may act on, the protocol messages of one relayed session.
 *
 * <p>A session asks {@link SessionTaps#open} for a tap when it starts relaying, after the
 * backend's first ReadyForQuery. Without a tap the relay moves bytes blind and does no work per
 * message. With one, it splits both directions into messages and calls the tap with each message
 * before forwarding it, and does what the returned {@link TapAction} says.
 *
 * <p>Calls come on the session's event loop, one at a time, so a tap needs no lock for its own
 * per-session state. They must not block.
 */
public interface MessageTap {
  /**
   * Message bodies up to this many bytes are handed to the tap whole; of a longer body (a large
   * CopyData, say) the tap sees the first this many bytes and the rest streams through.
   */
  int WHOLE_BODY_LIMIT = 64 * 1024;

  /** A message from the client, before the backend gets it. */
  TapAction fromClient(TapMessage message);

  /** A message from the backend, before the client gets it. */
  TapAction fromBackend(TapMessage message);

  /** The session ended, for whatever reason; no call follows. */
  default void ended() {}
}
