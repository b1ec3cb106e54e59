package io.pgmux.internal.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * The statements a batch finished, held until its ReadyForQuery tells the transaction status after
 * the last of them; see {@link Conversation}. Not thread-safe: one session's event loop drives it.
 */
final class Batch {
  /** A finished statement waiting for its batch's ReadyForQuery. */
  private static final class Entry {
    final Pending origin;
    String sql;
    final String command;
    final long rows;
    final String sqlState;
    final String message;
    final char status;
    final long start;
    final long end;

    Entry(Pending origin, String sql, String command, long rows, String sqlState, String message,
        char status, long start, long end) {
      this.origin = origin;
      this.sql = sql;
      this.command = command;
      this.rows = rows;
      this.sqlState = sqlState;
      this.message = message;
      this.status = status;
      this.start = start;
      this.end = end;
    }
  }

  private final Conversation.Recorder recorder;
  private final List<Entry> entries = new ArrayList<>();

  /** @param recorder where finished statements go, or null if nothing is recorded */
  Batch(Conversation.Recorder recorder) {
    this.recorder = recorder;
  }

  void add(Pending origin, String sql, String command, long rows, String sqlState, String message,
      char status, long start, long end) {
    entries.add(new Entry(origin, sql, command, rows, sqlState, message, status, start, end));
  }

  /** Drops what the batch finished: the conversation could not be followed. */
  void clear() {
    entries.clear();
  }

  /** A text split into more or fewer statements than the backend ran: record it whole. */
  void keepWholeTextIfSplitWrongly(Pending query) {
    if (query.spans == null || query.answered == query.spans.size()) {
      return;
    }
    boolean failed = false;
    for (Entry e : entries) {
      failed |= e.origin == query && e.sqlState != null;
    }
    if (!failed) {
      for (Entry e : entries) {
        if (e.origin == query) {
          e.sql = query.sql;
        }
      }
    }
  }

  /** Hands the statements to the recorder; the last is given {@code lastStatus}, the others theirs. */
  void flush(char lastStatus) {
    if (entries.isEmpty()) {
      return;
    }
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      char s = i == entries.size() - 1 ? lastStatus : e.status;
      recorder.finished(
          new Conversation.Finished(e.sql, e.origin.parameters, e.command, e.rows, e.sqlState,
              e.message, s, e.start, e.end));
    }
    entries.clear();
  }
}
