package io.pgmux.junit5.assertj;

import io.pgmux.BackendConfig;
import io.pgmux.StatementJournal;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on any {@link StatementJournal}: a {@code ProxyServer}'s, or a {@code
 * PgMuxContainer}'s; see {@link PgMuxAssertions}. Each narrowing reads the journal at that moment.
 */
public final class JournalAssert extends AbstractAssert<JournalAssert, StatementJournal> {

  JournalAssert(StatementJournal journal) {
    super(journal, JournalAssert.class);
    isNotNull();
  }

  /** Narrows to the statements of the clients that logged in as {@code user}. */
  public StatementsAssert tenant(String user) {
    return new StatementsAssert(actual.ofUser(user), "tenant \"" + user + "\"");
  }

  /**
   * Narrows to the statements run on {@code backend}, as {@link StatementJournal#onBackend}
   * matches it.
   */
  public StatementsAssert backend(BackendConfig backend) {
    return new StatementsAssert(actual.onBackend(backend), "backend " + backend.address());
  }

  /** Narrows to every statement in the journal. */
  public StatementsAssert statements() {
    return new StatementsAssert(actual.all(), "all tenants");
  }

  /** Asserts that no statement in the journal failed. */
  public JournalAssert hasNoErrors() {
    statements().hasNoErrors();
    return this;
  }
}
