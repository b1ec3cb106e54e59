package io.pgmux.internal.inspect;

import java.util.regex.Pattern;

/**
 * Infers the transaction status after a statement from its outcome; the next ReadyForQuery has
 * the last word, but statements earlier in a batch get no ReadyForQuery of their own.
 */
final class TransactionStates {
  private static final Pattern ROLLBACK_TO =
      Pattern.compile("(?i)\\s*rollback\\s+(?:work\\s+|transaction\\s+)?to\\b");

  private TransactionStates() {}

  /** Returns the status ({@code I}, {@code T}, {@code E}) after a statement run in {@code before}. */
  static char after(char before, String sql, String command, String sqlState) {
    if (sqlState != null) {
      return before == 'I' ? 'I' : 'E';
    }
    if (command == null) {
      return before;
    }
    return switch (command) {
      case "BEGIN", "START TRANSACTION" -> before == 'I' ? 'T' : before;
      case "COMMIT", "PREPARE TRANSACTION" -> 'I';
      case "ROLLBACK" -> sql != null && ROLLBACK_TO.matcher(sql).lookingAt() ? 'T' : 'I';
      default -> before;
    };
  }
}
