package io.pgmux.internal.protocol;

/** A client or backend broke the wire protocol; the message is safe to show the client. */
public final class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message, null, false, false);
  }
}
