package io.pgmux;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the {@link Fault} records. */
final class SqlStates {
  private SqlStates() {}

  /**
   * Checks a SQLSTATE: five digits or upper-case letters; for an error, not of the success,
   * warning or no-data classes (00, 01, 02).
   */
  static void check(String sqlState, boolean error) {
    Objects.requireNonNull(sqlState, "sqlState");
    if (!sqlState.matches("[0-9A-Z]{5}")) {
      throw new IllegalArgumentException(
          "SQLSTATE \"" + sqlState + "\" is not five digits or upper-case letters, e.g. 40001");
    }
    if (error && (sqlState.startsWith("00") || sqlState.startsWith("01") || sqlState.startsWith("02"))) {
      throw new IllegalArgumentException(
          "SQLSTATE " + sqlState + " is not an error (classes 00, 01 and 02 are not): use e.g. 40001");
    }
  }

  static void notNegative(String what, Duration value) {
    Objects.requireNonNull(value, what);
    if (value.isNegative()) {
      throw new IllegalArgumentException(what + " " + value + " is negative");
    }
  }
}
