package io.pgmux;

/**
 * A session's transaction status, as PostgreSQL reports it in every {@code ReadyForQuery}.
 */
public enum TransactionStatus {
  /** Not in a transaction block ({@code I}). */
  IDLE,
  /** In a transaction block ({@code T}). */
  IN_TRANSACTION,
  /**
   * In a failed transaction block ({@code E}): every statement but {@code ROLLBACK} fails with
   * SQLSTATE 25P02 until the block ends.
   */
  FAILED;

  /** Returns the status for its protocol letter {@code I}, {@code T} or {@code E}. */
  public static TransactionStatus of(char status) {
    return switch (status) {
      case 'I' -> IDLE;
      case 'T' -> IN_TRANSACTION;
      case 'E' -> FAILED;
      default -> throw new IllegalArgumentException(
          "transaction status '" + status + "' is not one of I, T, E");
    };
  }
}
