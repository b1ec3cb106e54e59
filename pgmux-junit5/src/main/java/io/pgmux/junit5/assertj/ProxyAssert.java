package io.pgmux.junit5.assertj;

import io.pgmux.ExecutedStatement;
import io.pgmux.junit5.PgMuxProxy;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link PgMuxProxy}'s statement journal; see {@link PgMuxAssertions}. */
public final class ProxyAssert extends AbstractAssert<ProxyAssert, PgMuxProxy> {

  ProxyAssert(PgMuxProxy proxy) {
    super(proxy, ProxyAssert.class);
    isNotNull();
  }

  /** Narrows to the statements of the clients that logged in as {@code user}. */
  public StatementsAssert tenant(String user) {
    return new StatementsAssert(actual.journal().ofUser(user), "tenant \"" + user + "\"");
  }

  /** Narrows to the statements run on the backend named {@code name}. */
  public StatementsAssert backend(String name) {
    return new StatementsAssert(actual.journal().onBackend(actual.backend(name)), "backend \"" + name + "\"");
  }

  /** Narrows to every statement in the journal. */
  public StatementsAssert statements() {
    return new StatementsAssert(actual.journal().all(), "all tenants");
  }

  /** Asserts that no statement through the proxy failed. */
  public ProxyAssert hasNoErrors() {
    statements().hasNoErrors();
    return this;
  }

  static String describe(List<ExecutedStatement> statements) {
    if (statements.isEmpty()) {
      return "  (none)";
    }
    StringBuilder out = new StringBuilder();
    for (ExecutedStatement s : statements) {
      out.append("  ").append(s.user()).append(" #").append(s.sessionId()).append(": ").append(s.sql());
      if (s.failed()) {
        out.append("  -> ERROR ").append(s.sqlState()).append(' ').append(s.errorMessage());
      } else {
        out.append("  -> ").append(s.command()).append(s.rows() >= 0 ? " " + s.rows() : "");
      }
      out.append('\n');
    }
    return out.toString();
  }
}
