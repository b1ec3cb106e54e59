package io.pgmux.internal.inspect;

import io.pgmux.internal.protocol.ClientMessage;
import io.pgmux.internal.protocol.ParameterText;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ServerMessage;
import io.pgmux.internal.protocol.SqlStatements;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows one session's conversation after startup: which client message each backend message
 * answers, and so which statement each CommandComplete or ErrorResponse ends.
 *
 * <p>The backend answers client messages strictly in order, so a queue of the messages still
 * owed an answer is enough, pipelined or not. Prepared statements and portals are followed by
 * name, so that an Execute is known by the SQL text its portal runs. After an error in an
 * extended-query batch the backend ignores every message up to the next Sync; so does this
 * queue, and the statements so skipped are not recorded: they never ran.
 *
 * <p>Statements finished in a batch are handed to the {@link Recorder} at the batch's
 * ReadyForQuery, which tells the transaction status after the last of them; the status after
 * earlier ones is inferred from their command tags ({@code BEGIN}, {@code COMMIT}, errors).
 *
 * <p>Not thread-safe: one session's event loop drives it.
 */
final class Conversation {
  /** Where finished statements go. */
  interface Recorder {
    void finished(Finished statement);
  }

  /**
   * One statement the backend finished.
   *
   * @param command the command tag without row count, or null if the statement failed
   * @param rows the tag's row count, or -1
   * @param status the transaction status after it: {@code I}, {@code T} or {@code E}
   */
  record Finished(
      String sql,
      List<String> parameters,
      String command,
      long rows,
      String sqlState,
      String message,
      char status,
      long startNanos,
      long endNanos) {}

  private record Portal(String sql, List<String> parameters) {}

  private record Prepared(String sql, List<Integer> parameterTypes) {}

  private final Recorder recorder;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final Map<String, Prepared> statements = new HashMap<>();
  private final Map<String, Portal> portals = new HashMap<>();
  /** Portals whose run a row limit interrupted (PortalSuspended), with when the run started. */
  private final Map<String, Long> suspended = new HashMap<>();
  private final Batch batch;
  /** The backend ignores client messages up to the next Sync, after an extended-query error. */
  private boolean skipping;
  /** An answer fitted no pending message: stop following until the next ReadyForQuery. */
  private boolean lost;
  /** Transaction status after the last finished statement. */
  private char status = 'I';
  /** When the backend last finished answering a message: the earliest the next one started. */
  private long lastAnswer;
  private boolean lastErrorInjected;

  /** @param recorder where finished statements go, or null to follow without recording */
  Conversation(Recorder recorder) {
    this.recorder = recorder;
    this.batch = new Batch(recorder);
  }

  /** Returns whether the backend will ignore the next client message (it awaits a Sync). */
  boolean skipping() {
    return skipping || lost;
  }

  /** Returns the SQL text the portal runs, or null if unknown. */
  String portalSql(String portal) {
    Portal p = portals.get(portal);
    return p == null ? null : p.sql;
  }

  /** Returns the parameters bound into the portal, or null if not recorded. */
  List<String> portalParameters(String portal) {
    Portal p = portals.get(portal);
    return p == null ? null : p.parameters;
  }

  /**
   * Follows a client message the backend is about to get.
   *
   * @return what now waits for the backend's answer to it, or null if nothing does
   */
  Pending fromClient(ClientMessage message, long now) {
    if (message instanceof ClientMessage.Sync) {
      skipping = false;
      return enqueue(Pending.Kind.SYNC, false, null, null, null, now);
    }
    if (skipping || lost) {
      return null; // the backend discards it unread
    }
    if (message instanceof ClientMessage.Query q) {
      Pending p = enqueue(Pending.Kind.QUERY, false, q.sql(), null, null, now);
      if (recorder != null) {
        p.spans = SqlStatements.split(q.sql());
      }
      return p;
    } else if (message instanceof ClientMessage.Parse p) {
      statements.put(p.statement(), new Prepared(p.sql(), p.parameterTypes()));
      enqueue(Pending.Kind.PARSE, false, p.sql(), null, null, now);
    } else if (message instanceof ClientMessage.Bind b) {
      Prepared statement = statements.get(b.statement());
      portals.put(b.portal(), new Portal(statement == null ? null : statement.sql,
          parameterTexts(b.parameters(), statement)));
      enqueue(Pending.Kind.BIND, false, null, null, null, now);
    } else if (message instanceof ClientMessage.Describe) {
      enqueue(Pending.Kind.DESCRIBE, false, null, null, null, now);
    } else if (message instanceof ClientMessage.Execute e) {
      Portal p = portals.get(e.portal());
      enqueue(Pending.Kind.EXECUTE, false, p == null ? null : p.sql, p == null ? null : p.parameters,
          e.portal(), now);
    } else if (message instanceof ClientMessage.Close c) {
      (c.kind() == 'S' ? statements : portals).remove(c.name());
      enqueue(Pending.Kind.CLOSE, false, null, null, null, now);
    } else if (message instanceof ClientMessage.FunctionCall f) {
      enqueue(Pending.Kind.FUNCTION_CALL, false,
          "fast-path function call (oid " + f.functionOid() + ")", null, null, now);
    }
    // Flush, COPY data, Terminate: no answer of their own.
    return null;
  }

  private static List<String> parameterTexts(List<ClientMessage.Parameter> values, Prepared statement) {
    if (values == null) {
      return null;
    }
    List<Integer> types = statement == null ? null : statement.parameterTypes;
    String[] texts = new String[values.size()];
    for (int i = 0; i < texts.length; i++) {
      int type = types != null && i < types.size() ? types.get(i) : 0;
      texts[i] = ParameterText.of(values.get(i), type);
    }
    return java.util.Collections.unmodifiableList(java.util.Arrays.asList(texts));
  }

  /** Follows a simple query of which the proxy made statement {@code index} one that fails. */
  void injectedQuery(String sql, List<SqlStatements.Span> spans, int index, long now) {
    Pending p = fromClient(new ClientMessage.Query(sql), now);
    if (p != null) {
      p.spans = spans;
      p.injectedStatement = index;
    }
  }

  /** Returns whether the last ErrorResponse followed answered a statement the proxy made fail. */
  boolean lastErrorInjected() {
    return lastErrorInjected;
  }

  /**
   * Follows what the proxy sends in place of an Execute: {@code sql} prepared as the unnamed
   * statement, bound to the unnamed portal and run. Its ParseComplete and BindComplete are the
   * proxy's; its outcome is recorded as the outcome of the statement the Execute would have run.
   */
  void injectedExecute(String sql, Pending replaced, long now) {
    statements.put("", new Prepared(sql, null));
    portals.put("", new Portal(sql, null));
    enqueue(Pending.Kind.PARSE, true, sql, null, null, now);
    enqueue(Pending.Kind.BIND, true, null, null, null, now);
    enqueue(Pending.Kind.EXECUTE, true, replaced.sql, replaced.parameters, "", now);
  }

  /** Describes the Execute about to be sent, without following it. */
  Pending peekExecute(ClientMessage.Execute e, long now) {
    Portal p = portals.get(e.portal());
    return new Pending(Pending.Kind.EXECUTE, false, p == null ? null : p.sql,
        p == null ? null : p.parameters, e.portal(), now);
  }

  private Pending enqueue(Pending.Kind kind, boolean injected, String sql, List<String> parameters,
      String portal, long now) {
    Pending p = new Pending(kind, injected, sql, parameters, portal, now);
    pending.addLast(p);
    return p;
  }

  /**
   * Follows a backend message on its way to the client.
   *
   * @return the pending client message this message answers, or null if it answers none (rows,
   *     notices, a message in the middle of an answer) or the conversation could not be followed
   */
  Pending fromBackend(byte type, ByteBuffer body, long now) throws ProtocolException {
    Pending head = pending.peekFirst();
    switch (type) {
      case ServerMessage.PARSE_COMPLETE:
        return answer(head, Pending.Kind.PARSE, now);
      case ServerMessage.BIND_COMPLETE:
        return answer(head, Pending.Kind.BIND, now);
      case ServerMessage.CLOSE_COMPLETE:
        return answer(head, Pending.Kind.CLOSE, now);
      case ServerMessage.NO_DATA:
        return answer(head, Pending.Kind.DESCRIBE, now);
      case ServerMessage.ROW_DESCRIPTION:
        return head != null && head.kind == Pending.Kind.DESCRIBE ? answer(head, Pending.Kind.DESCRIBE, now) : null;
      case ServerMessage.COMMAND_COMPLETE:
      case ServerMessage.EMPTY_QUERY_RESPONSE:
      case ServerMessage.PORTAL_SUSPENDED:
        return completed(head, type, body, now);
      case ServerMessage.ERROR_RESPONSE:
        return failed(head, (ServerMessage.ErrorResponse) ServerMessage.decode(type, body), now);
      case ServerMessage.FUNCTION_CALL_RESPONSE:
        if (!lost && head != null && head.kind == Pending.Kind.FUNCTION_CALL) {
          finish(head, head.sql, "FUNCTION CALL", -1, null, null, Math.max(head.sentNanos, lastAnswer), now);
        }
        return null;
      case ServerMessage.READY_FOR_QUERY:
        return ready(head, ((ServerMessage.ReadyForQuery) ServerMessage.decode(type, body)).status(), now);
      default:
        return null;
    }
  }

  private Pending answer(Pending head, Pending.Kind expected, long now) {
    if (lost) {
      return null;
    }
    if (head == null || head.kind != expected) {
      lose();
      return null;
    }
    lastAnswer = now;
    return pending.pollFirst();
  }

  private Pending completed(Pending head, byte type, ByteBuffer body, long now)
      throws ProtocolException {
    if (lost) {
      return null;
    }
    if (head == null || (head.kind != Pending.Kind.EXECUTE && head.kind != Pending.Kind.QUERY)) {
      lose();
      return null;
    }
    if (head.kind == Pending.Kind.EXECUTE) {
      pending.pollFirst();
      Long resumed = suspended.remove(head.portal);
      long start = resumed != null ? resumed : Math.max(head.sentNanos, lastAnswer);
      if (type == ServerMessage.PORTAL_SUSPENDED) {
        suspended.put(head.portal, start);
      } else if (type == ServerMessage.COMMAND_COMPLETE) {
        var tag = (ServerMessage.CommandComplete) ServerMessage.decode(type, body);
        finish(head, head.sql, tag.command(), tag.rows(), null, null, start, now);
      }
      lastAnswer = now;
      return head;
    }
    // One statement of a simple query; its ReadyForQuery answers the whole query.
    long start = Math.max(head.sentNanos, lastAnswer);
    if (type == ServerMessage.COMMAND_COMPLETE) {
      var tag = (ServerMessage.CommandComplete) ServerMessage.decode(type, body);
      finish(head, pieceOf(head), tag.command(), tag.rows(), null, null, start, now);
    }
    head.answered++;
    lastAnswer = now;
    return null;
  }

  private Pending failed(Pending head, ServerMessage.ErrorResponse error, long now) {
    lastErrorInjected =
        !lost && head != null
            && (head.kind == Pending.Kind.QUERY ? head.injectedStatement == head.answered : head.injected);
    if (lost || head == null || head.kind == Pending.Kind.SYNC) {
      // No message is waiting (a FATAL from a terminated backend), or the implicit commit at Sync
      // failed: no statement to charge it to.
      return null;
    }
    long start = Math.max(head.sentNanos, lastAnswer);
    lastAnswer = now;
    if (head.kind == Pending.Kind.QUERY) {
      finish(head, pieceOf(head), null, -1, error.sqlState(), error.message(), start, now);
      head.answered++;
      return head;
    }
    if (head.kind == Pending.Kind.FUNCTION_CALL) {
      finish(head, head.sql, null, -1, error.sqlState(), error.message(), start, now);
      return head;
    }
    // Extended query: the error ends the first waiting message; the backend skips the rest up to
    // Sync. It belongs to the statement the batch was about to run: the failing Execute, or the
    // next one (a Parse or Bind of it failed), or, with none, the text of a failed Parse.
    Pending failing = pending.pollFirst();
    Pending statement = failing.kind == Pending.Kind.EXECUTE ? failing : null;
    while (!pending.isEmpty() && pending.peekFirst().kind != Pending.Kind.SYNC) {
      Pending skipped = pending.pollFirst();
      if (statement == null && skipped.kind == Pending.Kind.EXECUTE) {
        statement = skipped;
      }
      suspended.remove(skipped.portal);
    }
    skipping = pending.isEmpty();
    if (statement != null) {
      suspended.remove(statement.portal);
      finish(statement, statement.sql, null, -1, error.sqlState(), error.message(), start, now);
    } else if (failing.kind == Pending.Kind.PARSE) {
      finish(failing, failing.sql, null, -1, error.sqlState(), error.message(), start, now);
    }
    return statement != null ? statement : failing;
  }

  private Pending ready(Pending head, char readyStatus, long now) {
    Pending answered = null;
    if (lost) {
      lost = false;
      pending.clear();
      batch.clear();
    } else if (head != null
        && (head.kind == Pending.Kind.SYNC || head.kind == Pending.Kind.QUERY || head.kind == Pending.Kind.FUNCTION_CALL)) {
      answered = pending.pollFirst();
      if (answered.kind == Pending.Kind.QUERY) {
        batch.keepWholeTextIfSplitWrongly(answered);
      }
    } else {
      lose();
      lost = false;
      pending.clear();
      batch.clear();
    }
    lastAnswer = now;
    status = readyStatus;
    batch.flush(readyStatus);
    return answered;
  }

  /** The session ended: statements whose ReadyForQuery never came are recorded as they stand. */
  void ended() {
    batch.flush(status);
    pending.clear();
  }

  private String pieceOf(Pending query) {
    List<SqlStatements.Span> spans = query.spans;
    if (spans == null || query.answered >= spans.size()) {
      return query.sql;
    }
    return spans.get(query.answered).of(query.sql);
  }

  private void finish(Pending origin, String sql, String command, long rows, String sqlState,
      String message, long start, long end) {
    status = TransactionStates.after(status, sql, command, sqlState);
    if (recorder != null) {
      batch.add(origin, sql, command, rows, sqlState, message, status, start, end);
    }
  }

  /** Stops following the conversation until the next ReadyForQuery. */
  void lose() {
    lost = true;
    pending.clear();
    skipping = false;
  }
}
