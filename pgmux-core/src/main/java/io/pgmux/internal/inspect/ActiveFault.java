package io.pgmux.internal.inspect;

import io.pgmux.Fault;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** A fault added to a user's route, with what it has done so far. Thread-safe. */
public final class ActiveFault {
  private final long id;
  private final String user;
  private final Fault fault;
  private final AtomicInteger fired = new AtomicInteger();
  /** Uses left for a fault with a count; {@code Integer.MAX_VALUE} for the others. */
  private final AtomicInteger left;
  /** Statements counted towards {@link Fault.TerminateSessions#afterStatements()}. */
  final AtomicInteger statements = new AtomicInteger();
  private volatile boolean active = true;
  private final SqlLike like;
  private final Pattern regex;

  ActiveFault(long id, String user, Fault fault) {
    this.id = id;
    this.user = user;
    this.fault = fault;
    int uses = Integer.MAX_VALUE;
    SqlLike likePattern = null;
    Pattern regexPattern = null;
    if (fault instanceof Fault.FailStatements f) {
      uses = f.times();
      likePattern = f.likePattern() == null ? null : SqlLike.compile(f.likePattern());
      regexPattern = f.regex();
    } else if (fault instanceof Fault.DropAfterCommit d) {
      uses = d.times();
    } else if (fault instanceof Fault.TerminateSessions) {
      uses = 1;
    }
    this.left = new AtomicInteger(uses);
    this.like = likePattern;
    this.regex = regexPattern;
  }

  /** Returns the number the registry gave the fault: 1 for the first added, and so on. */
  public long id() {
    return id;
  }

  public String user() {
    return user;
  }

  public Fault fault() {
    return fault;
  }

  public int fired() {
    return fired.get();
  }

  public boolean isActive() {
    return active;
  }

  void deactivate() {
    active = false;
  }

  /** Counts one action of a fault that is not used up. */
  void fired(int times) {
    fired.addAndGet(times);
  }

  /**
   * Takes one use, if any is left: returns whether the fault may act. The last use deactivates
   * it. Unlimited faults always may while active.
   */
  boolean use() {
    if (!active) {
      return false;
    }
    while (true) {
      int n = left.get();
      if (n == Integer.MAX_VALUE) {
        fired.incrementAndGet();
        return true;
      }
      if (n <= 0) {
        return false;
      }
      if (left.compareAndSet(n, n - 1)) {
        fired.incrementAndGet();
        if (n == 1) {
          active = false;
        }
        return true;
      }
    }
  }

  /** For a fault that fails statements: whether {@code sql} is one of them. */
  boolean matches(String sql) {
    if (sql == null) {
      return false;
    }
    return like != null ? like.matches(sql) : regex.matcher(sql).matches();
  }

  @Override
  public String toString() {
    return user + ": " + fault;
  }
}
