package io.pgmux.internal.console;

/**
 * A command the console cannot run: the client gets an ERROR with {@code sqlState}, the message
 * (starting with {@code pgmux:}) and, if not null, the hint; the session goes on.
 */
public final class ConsoleError extends RuntimeException {
  private final String sqlState;
  private final String hint;

  public ConsoleError(String sqlState, String message, String hint) {
    super(message, null, false, false);
    this.sqlState = sqlState;
    this.hint = hint;
  }

  public ConsoleError(String sqlState, String message) {
    this(sqlState, message, null);
  }

  public String sqlState() {
    return sqlState;
  }

  public String hint() {
    return hint;
  }

  /** 42601 with the hint every syntax error carries. */
  static ConsoleError syntax(String near) {
    return new ConsoleError(
        "42601",
        near == null ? "pgmux: syntax error at end of input" : "pgmux: syntax error at or near \"" + near + "\"",
        "try SHOW HELP");
  }

  /** 22023: a value the command cannot take. */
  static ConsoleError invalid(String message) {
    return new ConsoleError("22023", "pgmux: " + message);
  }
}
