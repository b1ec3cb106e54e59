package io.pgmux.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.SQLException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * What a client sees when the proxy or PostgreSQL refuses it: one assertion for "fails with this
 * SQLSTATE and a message containing these parts", written out by hand in many tests before.
 */
public final class SqlErrors {
  private SqlErrors() {}

  /**
   * Asserts that {@code call} throws an {@link SQLException} with {@code sqlState} whose message
   * contains every one of {@code messageParts}.
   *
   * @return the exception, for further checks
   */
  public static SQLException assertFails(
      ThrowingCallable call, String sqlState, String... messageParts) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).as("what the call threw (null: it threw nothing)").isInstanceOf(SQLException.class);
    SQLException e = (SQLException) thrown;
    // The message in the description: a wrong SQLSTATE alone says little about what happened.
    assertThat(e.getSQLState()).as("SQLSTATE of \"%s\"", e.getMessage()).isEqualTo(sqlState);
    if (messageParts.length > 0) {
      assertThat(e.getMessage()).contains(messageParts);
    }
    return e;
  }
}
