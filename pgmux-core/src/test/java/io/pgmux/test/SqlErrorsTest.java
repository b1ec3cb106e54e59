package io.pgmux.test;

import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The assertion must fail on every way a refusal can differ, or the tests using it prove nothing. */
class SqlErrorsTest {
  private static final SQLException REFUSED =
      new SQLException("FATAL: pgmux: password authentication failed for user \"alice\"", "28P01");

  @Test
  void passesOnTheStateAndEveryMessagePartAndReturnsTheException() {
    // As Throwable: an SQLException is also an Iterable, which makes assertThat ambiguous.
    Throwable all = assertFails(() -> { throw REFUSED; }, "28P01", "pgmux:", "user \"alice\"");
    Throwable stateOnly = assertFails(() -> { throw REFUSED; }, "28P01");
    assertThat(all).isSameAs(REFUSED);
    assertThat(stateOnly).isSameAs(REFUSED);
  }

  @Test
  void failsOnAnotherStateNamingTheMessage() {
    assertThatThrownBy(() -> assertFails(() -> { throw REFUSED; }, "28000"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("password authentication failed");
  }

  @Test
  void failsOnAMissingMessagePart() {
    assertThatThrownBy(() -> assertFails(() -> { throw REFUSED; }, "28P01", "pgmux:", "bob"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("bob");
  }

  @Test
  void failsWhenNothingOrSomethingElseIsThrown() {
    assertThatThrownBy(() -> assertFails(() -> {}, "28P01"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertFails(() -> { throw new IllegalStateException("no"); }, "28P01"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("IllegalStateException");
  }
}
