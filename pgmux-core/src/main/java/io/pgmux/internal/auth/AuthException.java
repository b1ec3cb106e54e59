package io.pgmux.internal.auth;

/**
 * An authentication exchange failed. The message is fit for the client (it never holds a
 * password, a proof or a key) and the SQLSTATE says why, as PostgreSQL would: {@code 28P01} for a
 * wrong password, {@code 08P01} for a malformed exchange, {@code 28000} for a refused method.
 */
public final class AuthException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String sqlState;

  public AuthException(String sqlState, String message) {
    super(message, null, false, false);
    this.sqlState = sqlState;
  }

  static AuthException protocol(String message) {
    return new AuthException("08P01", message);
  }

  /** PostgreSQL's answer to a wrong password, for any method. */
  public static AuthException passwordFailed(String user) {
    return new AuthException(
        "28P01", "password authentication failed for user \"" + user + "\"");
  }

  public String sqlState() {
    return sqlState;
  }
}
