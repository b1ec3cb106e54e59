package io.pgmux;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A fault to inject into one tenant's database traffic: add it to a user's route with {@link
 * Faults#add}, remove it by closing the {@link FaultHandle}. Faults act only on the sessions of
 * the user they were added for; other tenants' sessions never see them.
 *
 * <p>Faults that fail statements or end sessions make the client see what PostgreSQL itself would
 * send, and leave the session in the state PostgreSQL would: a failed statement fails a transaction
 * block until {@code ROLLBACK}, and in the extended protocol the rest of the batch is skipped up to
 * {@code Sync}. Where it can, the proxy has the backend raise the error itself.
 *
 * <pre>{@code
 * try (var retry = proxy.faults().add("alice", Fault.failStatements("insert into invoices%", "40001").times(2))) {
 *   service.createInvoice(); // retries twice, then succeeds
 *   assertThat(retry.fired()).isEqualTo(2);
 * }
 * }</pre>
 */
public sealed interface Fault {

  /**
   * Refuses the user's new logins: the client gets FATAL {@code sqlState} {@code message}, as from
   * a server that is full ({@code 53300}) or starting up ({@code 57P03}). Live sessions go on.
   */
  static RefuseLogins refuseLogins(String sqlState, String message) {
    return new RefuseLogins(sqlState, message);
  }

  /** Delays each statement the user's sessions send by {@code delay}. */
  static Latency latency(Duration delay) {
    return new Latency(delay, Duration.ZERO);
  }

  /** Caps each of the user's sessions at {@code bytesPerSecond} in each direction. */
  static Bandwidth bandwidth(long bytesPerSecond) {
    return new Bandwidth(bytesPerSecond);
  }

  /**
   * Fails the user's statements whose text matches the SQL {@code LIKE} pattern (matched as
   * {@link ExecutedStatement#matches} does: case-insensitive, white space runs as one space) with
   * {@code sqlState}, every time until removed, or {@link FailStatements#times the next n times}.
   */
  static FailStatements failStatements(String likePattern, String sqlState) {
    Objects.requireNonNull(likePattern, "likePattern");
    return new FailStatements(likePattern, null, sqlState, null, FailStatements.UNLIMITED);
  }

  /** Fails the user's statements whose whole text matches {@code regex}; see the other form. */
  static FailStatements failStatements(Pattern regex, String sqlState) {
    Objects.requireNonNull(regex, "regex");
    return new FailStatements(null, regex, sqlState, null, FailStatements.UNLIMITED);
  }

  /**
   * Terminates the user's live sessions now, as {@code pg_terminate_backend} does: each client
   * gets FATAL 57P01 "terminating connection due to administrator command" and the connection
   * closes. See {@link TerminateSessions#afterStatements} and {@link
   * TerminateSessions#byCuttingConnections}.
   */
  static TerminateSessions terminateSessions() {
    return new TerminateSessions(0, false);
  }

  /**
   * Drops the client's connection right after the backend has committed its transaction, before
   * the client sees the {@code COMMIT}'s answer: the "did my commit happen?" case. The client
   * sees a broken connection (SQLSTATE 08006 in pgjdbc); the commit stands.
   */
  static DropAfterCommit dropAfterCommit() {
    return new DropAfterCommit(1);
  }

  /**
   * Stops relaying the user's sessions, both ways, until the fault is removed; then they go on
   * where they stopped. Tests socket and statement timeouts.
   */
  static Stall stall() {
    return new Stall();
  }

  /** See {@link Fault#refuseLogins}. */
  record RefuseLogins(String sqlState, String message) implements Fault {
    public RefuseLogins {
      SqlStates.check(sqlState, false);
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * See {@link Fault#latency}: each statement waits {@code delay}, plus or minus up to {@code
   * jitter} (uniformly, never below zero), before the backend gets it.
   */
  record Latency(Duration delay, Duration jitter) implements Fault {
    public Latency {
      SqlStates.notNegative("latency", delay);
      SqlStates.notNegative("jitter", jitter);
    }

    /** Returns this latency varied by up to {@code jitter} either way. */
    public Latency withJitter(Duration jitter) {
      return new Latency(delay, jitter);
    }
  }

  /** See {@link Fault#bandwidth}. */
  record Bandwidth(long bytesPerSecond) implements Fault {
    public Bandwidth {
      if (bytesPerSecond < 1) {
        throw new IllegalArgumentException("bandwidth " + bytesPerSecond + " bytes/s is below 1");
      }
    }
  }

  /**
   * See {@link Fault#failStatements(String, String)}. Exactly one of {@code likePattern} and
   * {@code regex} is set.
   *
   * @param message the error message, or null for {@code pgmux: injected fault (SQLSTATE x)}
   * @param times how many more statements to fail, or {@link #UNLIMITED}
   */
  record FailStatements(String likePattern, Pattern regex, String sqlState, String message, int times)
      implements Fault {
    /** {@link #times} of a fault that fails statements until removed. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public FailStatements {
      if ((likePattern == null) == (regex == null)) {
        throw new IllegalArgumentException("give a LIKE pattern or a regex, not both or neither");
      }
      SqlStates.check(sqlState, true);
      if (times < 1) {
        throw new IllegalArgumentException("times " + times + " is below 1");
      }
    }

    /** Returns this fault limited to the next {@code times} matching statements. */
    public FailStatements times(int times) {
      return new FailStatements(likePattern, regex, sqlState, message, times);
    }

    /** Returns this fault with the error message the client gets. */
    public FailStatements withMessage(String message) {
      return new FailStatements(likePattern, regex, sqlState, Objects.requireNonNull(message, "message"), times);
    }

    /** Returns the message the client gets. */
    public String effectiveMessage() {
      return message != null ? message : "pgmux: injected fault (SQLSTATE " + sqlState + ")";
    }
  }

  /**
   * See {@link Fault#terminateSessions}.
   *
   * @param afterStatements how many statements the user's sessions (counted together) may still
   *     run first; 0 terminates at once
   * @param cut whether to close the sockets without a word instead of sending FATAL 57P01
   */
  record TerminateSessions(int afterStatements, boolean cut) implements Fault {
    /** PostgreSQL's message for a session ended by {@code pg_terminate_backend}. */
    public static final String MESSAGE = "terminating connection due to administrator command";

    public TerminateSessions {
      if (afterStatements < 0) {
        throw new IllegalArgumentException("afterStatements " + afterStatements + " is negative");
      }
    }

    /**
     * Returns this fault acting once the user's sessions have sent {@code n} more statements
     * (simple queries, Executes, function calls; counted over all of them, the driver's own
     * included). The session that sends the next one gets the termination in its place, as a
     * client of a backend terminated while idle does, and the user's other live sessions are
     * terminated at the same moment.
     */
    public TerminateSessions afterStatements(int n) {
      return new TerminateSessions(n, cut);
    }

    /** Returns this fault closing the connections without a word (clients see 08006). */
    public TerminateSessions byCuttingConnections() {
      return new TerminateSessions(afterStatements, true);
    }
  }

  /** See {@link Fault#dropAfterCommit}: acts on the next {@code times} commits. */
  record DropAfterCommit(int times) implements Fault {
    public DropAfterCommit {
      if (times < 1) {
        throw new IllegalArgumentException("times " + times + " is below 1");
      }
    }

    /** Returns this fault acting on the next {@code times} commits. */
    public DropAfterCommit times(int times) {
      return new DropAfterCommit(times);
    }
  }

  /** See {@link Fault#stall}. */
  record Stall() implements Fault {}
}
