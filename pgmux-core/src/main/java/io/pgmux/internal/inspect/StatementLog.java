package io.pgmux.internal.inspect;

import io.pgmux.ExecutedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A ring buffer of the latest statements; thread-safe. */
public final class StatementLog {
  private final ExecutedStatement[] ring;
  /** Index of the oldest entry. */
  private int head;
  private int size;
  private long dropped;
  /** Entries ever added, and those with an error; not reset by {@link #clear()}. */
  private long added;
  private long errors;

  /** A journal entry with its number: 1 for the first statement ever added, and so on. */
  public record Numbered(long id, ExecutedStatement statement) {}

  public StatementLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("journal capacity " + capacity + " is below 1");
    }
    ring = new ExecutedStatement[capacity];
  }

  public synchronized void add(ExecutedStatement statement) {
    added++;
    if (statement.sqlState() != null) {
      errors++;
    }
    if (size == ring.length) {
      ring[head] = statement;
      head = (head + 1) % ring.length;
      dropped++;
    } else {
      ring[(head + size++) % ring.length] = statement;
    }
  }

  public synchronized List<ExecutedStatement> snapshot(Predicate<ExecutedStatement> filter) {
    List<ExecutedStatement> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      ExecutedStatement s = ring[(head + i) % ring.length];
      if (filter.test(s)) {
        out.add(s);
      }
    }
    return out;
  }

  /** Returns the entries that pass {@code filter}, oldest first, with their numbers. */
  public synchronized List<Numbered> numbered(Predicate<ExecutedStatement> filter) {
    List<Numbered> out = new ArrayList<>(size);
    long first = added - size + 1;
    for (int i = 0; i < size; i++) {
      ExecutedStatement s = ring[(head + i) % ring.length];
      if (filter.test(s)) {
        out.add(new Numbered(first + i, s));
      }
    }
    return out;
  }

  /** Returns how many statements were ever added. */
  public synchronized long added() {
    return added;
  }

  /** Returns how many of the statements ever added failed. */
  public synchronized long errors() {
    return errors;
  }

  public int capacity() {
    return ring.length;
  }

  public synchronized int size() {
    return size;
  }

  public synchronized long dropped() {
    return dropped;
  }

  public synchronized void clear() {
    java.util.Arrays.fill(ring, null);
    head = 0;
    size = 0;
    dropped = 0;
  }
}
