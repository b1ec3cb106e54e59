package io.pgmux.internal.protocol;

/**
 * A client or backend broke the wire protocol; the message is safe to show the client.
 *
 * <p>{@link #sqlState()} says how PostgreSQL answers the same fault on a client's startup: with a
 * FATAL ErrorResponse of that SQLSTATE, or, when it is {@code null}, by closing the connection
 * without a word (PostgreSQL's {@code COMMERROR}: it only logs, as it does for an invalid packet
 * length or a malformed cancel request).
 */
public final class ProtocolException extends Exception {
  /** PostgreSQL's ERRCODE_PROTOCOL_VIOLATION. */
  public static final String PROTOCOL_VIOLATION = "08P01";

  private final String sqlState;

  /** A protocol violation answered with SQLSTATE {@code 08P01}. */
  public ProtocolException(String message) {
    this(PROTOCOL_VIOLATION, message);
  }

  /**
   * @param sqlState the SQLSTATE of the error the client gets, or {@code null} to close silently
   */
  public ProtocolException(String sqlState, String message) {
    super(message, null, false, false);
    this.sqlState = sqlState;
  }

  /** A fault PostgreSQL only logs: the connection closes without an ErrorResponse. */
  public static ProtocolException silent(String message) {
    return new ProtocolException(null, message);
  }

  /** Returns the SQLSTATE to answer with, or {@code null} when the connection closes silently. */
  public String sqlState() {
    return sqlState;
  }
}
