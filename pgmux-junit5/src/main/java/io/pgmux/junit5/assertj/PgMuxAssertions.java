package io.pgmux.junit5.assertj;

import io.pgmux.StatementJournal;
import io.pgmux.junit5.PgMuxProxy;

/**
 * AssertJ entry point for what tenants ran through a {@link PgMuxProxy}, read from its statement
 * journal. Needs AssertJ on the test classpath (pgmux-junit5 declares it optional).
 *
 * <pre>{@code
 * assertThat(mux).tenant("alice").executedExactly(3).statementsMatching("insert into invoices%");
 * assertThat(mux).backend("tenant_b").receivedNothingFrom("alice");
 * assertThat(mux).tenant("alice").hasNoErrors();
 * }</pre>
 *
 * <p>Failure messages list the statements the assertion looked at, with their outcome.
 */
public final class PgMuxAssertions {
  private PgMuxAssertions() {}

  /** Starts assertions on the statements run through {@code proxy} since the test began. */
  public static ProxyAssert assertThat(PgMuxProxy proxy) {
    return new ProxyAssert(proxy);
  }

  /**
   * Starts assertions on the statements in {@code journal}: a {@code ProxyServer}'s, or a {@code
   * PgMuxContainer}'s ({@code assertThat(mux.journal()).tenant("alice").hasNoErrors()}).
   */
  public static JournalAssert assertThat(StatementJournal journal) {
    return new JournalAssert(journal);
  }
}
