package io.pgmux.testcontainers.internal;

import io.pgmux.ExecutedStatement;
import io.pgmux.StatementJournal;
import java.util.List;
import java.util.Objects;

/**
 * A proxy's statement journal read through its admin console: every call asks the proxy, so each
 * read is a snapshot of that moment.
 */
public final class ConsoleJournal implements StatementJournal {
  private final Console console;
  private final int capacity;

  /** @param capacity the capacity the proxy was started with ({@code --journal=N}) */
  public ConsoleJournal(Console console, int capacity) {
    this.console = console;
    this.capacity = capacity;
  }

  @Override
  public List<ExecutedStatement> all() {
    return List.copyOf(console.query("SHOW STATEMENTS", ConsoleRows::statement));
  }

  // The proxy filters: only the user's statements cross the wire.
  @Override
  public List<ExecutedStatement> ofUser(String user) {
    Objects.requireNonNull(user, "user");
    return List.copyOf(console.query(ConsoleCommands.showStatements(user), ConsoleRows::statement));
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public long dropped() {
    return console.query("SHOW STATS", ConsoleRows::journalDropped).get(0);
  }

  @Override
  public void clear() {
    console.execute("CLEAR STATEMENTS");
  }

  @Override
  public String toString() {
    return "StatementJournal[" + console + ", capacity " + capacity + "]";
  }
}
