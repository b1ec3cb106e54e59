package io.pgmux.junit5.assertj;

import io.pgmux.ExecutedStatement;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on the statements of one tenant or one backend, as the journal recorded them; see
 * {@link PgMuxAssertions}.
 */
public final class StatementsAssert extends AbstractAssert<StatementsAssert, List<ExecutedStatement>> {
  private final String scope;

  StatementsAssert(List<ExecutedStatement> statements, String scope) {
    super(statements, StatementsAssert.class);
    this.scope = scope;
  }

  /**
   * Starts a count: finish it with {@link Count#statementsMatching} or {@link Count#statements()}.
   */
  public Count executedExactly(int times) {
    return new Count(this, times);
  }

  /** Asserts that no statement ran. */
  public StatementsAssert executedNothing() {
    if (!actual.isEmpty()) {
      failWithMessage("Expected %s to have run no statement, but it ran %d:%n%s", scope, actual.size(),
          ProxyAssert.describe(actual));
    }
    return this;
  }

  /** Asserts that no statement matching the SQL {@code LIKE} pattern ran. */
  public StatementsAssert executedNoStatementsMatching(String likePattern) {
    return new Count(this, 0).statementsMatching(likePattern);
  }

  /** Asserts that no statement failed. */
  public StatementsAssert hasNoErrors() {
    List<ExecutedStatement> failed = actual.stream().filter(ExecutedStatement::failed).toList();
    if (!failed.isEmpty()) {
      failWithMessage("Expected no errors for %s, but %d statement(s) failed:%n%s%nAll its statements:%n%s",
          scope, failed.size(), ProxyAssert.describe(failed), ProxyAssert.describe(actual));
    }
    return this;
  }

  /** Asserts that none of these statements came from clients logged in as {@code user}. */
  public StatementsAssert receivedNothingFrom(String user) {
    List<ExecutedStatement> from = actual.stream().filter(s -> s.user().equals(user)).toList();
    if (!from.isEmpty()) {
      failWithMessage("Expected %s to have received nothing from \"%s\", but it ran %d statement(s) of theirs:%n%s",
          scope, user, from.size(), ProxyAssert.describe(from));
    }
    return this;
  }

  /** A count of statements waiting to be told which statements it counts. */
  public static final class Count {
    private final StatementsAssert owner;
    private final int expected;

    Count(StatementsAssert owner, int expected) {
      if (expected < 0) {
        throw new IllegalArgumentException("a count of " + expected + " statements is below 0");
      }
      this.owner = owner;
      this.expected = expected;
    }

    /**
     * Asserts that exactly the expected number of statements match the SQL {@code LIKE} pattern,
     * matched as {@link ExecutedStatement#matches} does (case-insensitive, white space runs as
     * one space). Failed statements count: they ran.
     */
    public StatementsAssert statementsMatching(String likePattern) {
      long n = owner.actual.stream().filter(s -> s.matches(likePattern)).count();
      if (n != expected) {
        owner.failWithMessage("Expected %s to have run %d statement(s) matching \"%s\", but it ran %d. Its statements:%n%s",
            owner.scope, expected, likePattern, n, ProxyAssert.describe(owner.actual));
      }
      return owner;
    }

    /** Asserts that exactly the expected number of statements ran, whatever they were. */
    public StatementsAssert statements() {
      if (owner.actual.size() != expected) {
        owner.failWithMessage("Expected %s to have run %d statement(s), but it ran %d:%n%s",
            owner.scope, expected, owner.actual.size(), ProxyAssert.describe(owner.actual));
      }
      return owner;
    }
  }
}
