package io.pgmux.internal.inspect;

import io.pgmux.ExecutedStatement;
import io.pgmux.Fault;
import io.pgmux.ProxyListener;
import io.pgmux.SessionInfo;
import io.pgmux.TransactionStatus;
import io.pgmux.internal.protocol.ClientMessage;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ServerMessage;
import io.pgmux.internal.protocol.SqlStatements;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.internal.tap.TappedSession;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tap on one session: follows its conversation, records finished statements in the journal
 * and applies the faults on the session user's route. Runs on the session's event loop, except
 * for {@link #resume()} and {@link #terminate}, which hand their work to it.
 */
final class SessionInspector implements MessageTap, Conversation.Recorder {
  private static final System.Logger LOG = System.getLogger("io.pgmux");
  private static final TapAction DROP = new TapAction.Replace(ByteBuffer.allocate(0));

  private final TappedSession session;
  private final SessionInfo info;
  private final StatementLog journal;
  private final boolean withParameters;
  private final ProxyListener listener;
  private final FaultRegistry faults;
  private final Conversation conversation;
  /** Wall clock and monotonic clock read together, to turn nanoTime into instants. */
  private final Instant epoch = Instant.now();
  private final long epochNanos = System.nanoTime();
  /** Bandwidth owed per direction, in nanoseconds, not yet paid as a Delay. */
  private long clientDebt;
  private long backendDebt;
  /** The client has sent extended-protocol messages since its last Sync. */
  private boolean inBatch;

  SessionInspector(TappedSession session, StatementLog journal, boolean withParameters,
      ProxyListener listener, FaultRegistry faults) {
    this.session = session;
    this.info = session.info();
    this.journal = journal;
    this.withParameters = withParameters;
    this.listener = listener;
    this.faults = faults;
    this.conversation = new Conversation(journal != null ? this : null);
  }

  String user() {
    return info.user();
  }

  @Override
  public TapAction fromClient(TapMessage message) {
    long now = System.nanoTime();
    ClientMessage decoded;
    try {
      decoded = ClientMessage.decode(message.type(), message.body(), message.whole(), withParameters);
    } catch (ProtocolException e) {
      // The backend will answer it with an error of its own; stop following until it has.
      LOG.log(System.Logger.Level.DEBUG, "session {0}: {1}", info.id(), e.getMessage());
      conversation.lose();
      return TapAction.PASS;
    }
    if (faults != null && pausesAt(message.type()) && faults.isPaused(info.user())) {
      // Held as a stall holds it; RESUME lets it go on as it is.
      if (decoded != null) {
        conversation.fromClient(decoded, now);
      }
      return new TapAction.Hold();
    }
    List<ActiveFault> active = faults == null ? List.of() : faults.of(info.user());
    if (active.isEmpty()) {
      if (decoded != null) {
        conversation.fromClient(decoded, now);
      }
      return TapAction.PASS;
    }
    return ClientFaults.apply(this, active, message, decoded, now);
  }

  /**
   * Returns whether a paused session waits at this client message: a simple query, a function
   * call, or the first message of an extended-protocol batch (what follows in the batch goes
   * with it). Follows the batches as it goes.
   */
  private boolean pausesAt(byte type) {
    switch (type) {
      case ClientMessage.QUERY, ClientMessage.FUNCTION_CALL:
        return true;
      case ClientMessage.SYNC: {
        boolean first = !inBatch;
        inBatch = false;
        return first;
      }
      case ClientMessage.PARSE, ClientMessage.BIND, ClientMessage.DESCRIBE, ClientMessage.EXECUTE,
          ClientMessage.CLOSE, ClientMessage.FLUSH: {
        boolean first = !inBatch;
        inBatch = true;
        return first;
      }
      default:
        return false;
    }
  }

  @Override
  public TapAction fromBackend(TapMessage message) {
    long now = System.nanoTime();
    Pending answered;
    boolean injectedError;
    try {
      answered = conversation.fromBackend(message.type(), message.body(), now);
      injectedError = conversation.lastErrorInjected();
    } catch (ProtocolException e) {
      LOG.log(System.Logger.Level.DEBUG, "session {0}: {1}", info.id(), e.getMessage());
      conversation.lose();
      return TapAction.PASS;
    }
    if (faults == null) {
      return TapAction.PASS;
    }
    byte type = message.type();
    if (answered != null && answered.injected
        && (type == ServerMessage.PARSE_COMPLETE || type == ServerMessage.BIND_COMPLETE)) {
      return DROP; // answers to the proxy's own Parse and Bind
    }
    if (type == ServerMessage.ERROR_RESPONSE && injectedError && message.whole()) {
      try {
        // The backend's own error, without the PL/pgSQL context that would give the DO away.
        return new TapAction.Replace(ServerMessage.errorWithout(message.body(), "W"));
      } catch (ProtocolException e) {
        return TapAction.PASS;
      }
    }
    TapAction action = TapAction.PASS;
    for (ActiveFault f : faults.of(info.user())) {
      Fault fault = f.fault();
      if (!f.isActive()) {
        continue;
      }
      if (fault instanceof Fault.Stall && f.use()) {
        return new TapAction.Hold();
      }
      if (fault instanceof Fault.DropAfterCommit
          && type == ServerMessage.COMMAND_COMPLETE
          && isCommit(message.body())
          && f.use()) {
        return new TapAction.Cut();
      }
      if (fault instanceof Fault.Bandwidth b) {
        backendDebt += cost(message.length(), b.bytesPerSecond());
        if (backendDebt >= 1_000_000) {
          action = new TapAction.Delay(Duration.ofNanos(backendDebt));
          backendDebt = 0;
        }
      }
    }
    return action;
  }

  private static boolean isCommit(ByteBuffer body) {
    // "COMMIT\0"; a failed block's COMMIT answers "ROLLBACK" and commits nothing.
    return body.remaining() == 7 && body.get(body.position()) == 'C'
        && body.get(body.position() + 5) == 'T' && body.get(body.position() + 6) == 0;
  }

  /** Nanoseconds that {@code bytes} take at {@code rate} bytes per second (the 5-byte header too). */
  static long cost(int length, long rate) {
    return (long) ((length + 1L) * 1e9 / rate);
  }

  long payClientBandwidth(int length, long rate) {
    clientDebt += cost(length, rate);
    if (clientDebt < 1_000_000) {
      return 0;
    }
    long owed = clientDebt;
    clientDebt = 0;
    return owed;
  }

  static Duration jittered(Fault.Latency latency) {
    long base = latency.delay().toNanos();
    long jitter = latency.jitter().toNanos();
    if (jitter > 0) {
      base += ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
    }
    return Duration.ofNanos(Math.max(0, base));
  }

  Conversation conversation() {
    return conversation;
  }

  /** Terminates the user's other live sessions; returns how many. */
  int terminateOthers(Fault.TerminateSessions how) {
    return faults.terminateAll(info.user(), how, this);
  }

  @Override
  public void ended() {
    conversation.ended();
    if (faults != null) {
      faults.ended(this);
    }
  }

  /** Releases messages a stall holds; from any thread. */
  void resume() {
    session.resume();
  }

  /** Ends the session as the fault says; from any thread. */
  void terminate(Fault.TerminateSessions how) {
    if (how.cut()) {
      session.cut();
    } else {
      session.terminate("57P01", Fault.TerminateSessions.MESSAGE);
    }
  }

  @Override
  public void finished(Conversation.Finished f) {
    ExecutedStatement statement =
        new ExecutedStatement(
            info.id(),
            info.user(),
            info.database(),
            info.backend(),
            f.sql(),
            f.parameters(),
            f.command(),
            f.rows(),
            f.sqlState(),
            f.message(),
            TransactionStatus.of(f.status()),
            epoch.plusNanos(f.startNanos() - epochNanos),
            Duration.ofNanos(Math.max(0, f.endNanos() - f.startNanos())));
    journal.add(statement);
    if (listener != null) {
      try {
        listener.statementCompleted(statement);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "listener failed on a statement of session " + info.id(), e);
      }
    }
  }

  /** The text a backend runs to raise {@code sqlState} with {@code message} itself. */
  static String raise(String sqlState, String message) {
    String tag = "$pgmux$";
    String quote = "$m$";
    for (int i = 1;
        (quote + message + quote).indexOf(quote, 1) != message.length() + quote.length()
            || (quote + message + quote).contains(tag);
        i++) {
      tag = "$pgmux" + i + "$";
      quote = "$m" + i + "$";
    }
    return "DO " + tag + " BEGIN RAISE EXCEPTION USING ERRCODE = '" + sqlState + "', MESSAGE = "
        + quote + message + quote + "; END " + tag;
  }

  /** Splits the statements of a simple query for a fault; package-visible for ClientFaults. */
  static List<SqlStatements.Span> statementsOf(String sql) {
    return SqlStatements.split(sql);
  }
}
