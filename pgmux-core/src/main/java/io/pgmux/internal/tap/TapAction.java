package io.pgmux.internal.tap;

import java.nio.ByteBuffer;
import java.time.Duration;

/** What the relay does with the message a {@link MessageTap} was just shown. */
public sealed interface TapAction {
  /** Forward the message as it is. */
  TapAction PASS = new Pass();

  /** Forwards the message as it is. */
  record Pass() implements TapAction {}

  /**
   * Sends {@code messages} (whole protocol messages, possibly none) in the message's place, in the
   * same direction. Only for messages the tap saw whole.
   */
  record Replace(ByteBuffer messages) implements TapAction {}

  /** Forwards the message after {@code delay}; the direction keeps its order and waits meanwhile. */
  record Delay(Duration delay) implements TapAction {}

  /**
   * Holds the message, and the direction behind it, until {@link TappedSession#resume()}. The
   * other direction keeps flowing.
   */
  record Hold() implements TapAction {}

  /**
   * Ends the session as PostgreSQL ends one: the client gets a FATAL ErrorResponse with
   * {@code sqlState} and {@code message} in place of the message (or, for a client message, once
   * the backend's current message is through), then both sides are closed.
   */
  record Terminate(String sqlState, String message) implements TapAction {}

  /** Closes both sockets now, without a word: the client sees a broken connection. */
  record Cut() implements TapAction {}
}
