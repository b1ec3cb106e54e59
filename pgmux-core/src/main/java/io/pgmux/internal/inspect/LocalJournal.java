package io.pgmux.internal.inspect;

import io.pgmux.ExecutedStatement;
import io.pgmux.StatementJournal;
import java.util.List;
import java.util.Objects;

/** The journal of a {@link io.pgmux.ProxyServer}: a view of its {@link StatementLog}. */
public final class LocalJournal implements StatementJournal {
  private final StatementLog log;

  public LocalJournal(StatementLog log) {
    this.log = log;
  }

  @Override
  public List<ExecutedStatement> all() {
    return log.snapshot(s -> true);
  }

  // Filters under the log's lock instead of copying every entry first.
  @Override
  public List<ExecutedStatement> ofUser(String user) {
    Objects.requireNonNull(user, "user");
    return log.snapshot(s -> s.user().equals(user));
  }

  @Override
  public int capacity() {
    return log.capacity();
  }

  @Override
  public long dropped() {
    return log.dropped();
  }

  @Override
  public void clear() {
    log.clear();
  }

  @Override
  public String toString() {
    return "StatementJournal[" + log.size() + " of " + capacity() + ", dropped " + dropped() + "]";
  }
}
