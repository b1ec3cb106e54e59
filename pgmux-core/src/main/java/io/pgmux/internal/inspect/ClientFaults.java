package io.pgmux.internal.inspect;

import io.pgmux.Fault;
import io.pgmux.internal.protocol.ClientMessage;
import io.pgmux.internal.protocol.ClientMessages;
import io.pgmux.internal.protocol.SqlStatements;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import java.time.Duration;
import java.util.List;

/**
 * What the faults on a user's route do to a message from the client, and how the conversation
 * follows what the backend gets instead.
 */
final class ClientFaults {
  private ClientFaults() {}

  static TapAction apply(SessionInspector session, List<ActiveFault> active, TapMessage message,
      ClientMessage decoded, long now) {
    Conversation conversation = session.conversation();
    boolean statement =
        (decoded instanceof ClientMessage.Query
                || decoded instanceof ClientMessage.Execute
                || decoded instanceof ClientMessage.FunctionCall)
            && !conversation.skipping();
    long delay = 0;
    for (ActiveFault f : active) {
      if (!f.isActive()) {
        continue;
      }
      Fault fault = f.fault();
      if (fault instanceof Fault.Stall && f.use()) {
        follow(conversation, decoded, now);
        return new TapAction.Hold();
      }
      if (fault instanceof Fault.Bandwidth b) {
        delay += session.payClientBandwidth(message.length(), b.bytesPerSecond());
      } else if (!statement) {
        continue;
      } else if (fault instanceof Fault.Latency latency && f.use()) {
        delay += SessionInspector.jittered(latency).toNanos();
      } else if (fault instanceof Fault.TerminateSessions t) {
        // The n statements ran; the session meets its end as it sends the next, as a client of
        // a backend terminated while idle does. The user's other sessions end now.
        if (f.statements.incrementAndGet() > t.afterStatements() && f.use()) {
          f.fired(session.terminateOthers(t));
          return t.cut()
              ? new TapAction.Cut()
              : new TapAction.Terminate("57P01", Fault.TerminateSessions.MESSAGE);
        }
      } else if (fault instanceof Fault.FailStatements fail && message.whole()) {
        TapAction replaced = fail(conversation, f, fail, decoded, now);
        if (replaced != null) {
          return replaced;
        }
      }
    }
    follow(conversation, decoded, now);
    return delay > 0 ? new TapAction.Delay(Duration.ofNanos(delay)) : TapAction.PASS;
  }

  private static void follow(Conversation conversation, ClientMessage decoded, long now) {
    if (decoded != null) {
      conversation.fromClient(decoded, now);
    }
  }

  /**
   * Replaces a matching statement with a DO block that raises the error, so that the backend
   * itself fails it and puts the session in the state the error leaves it in. Returns null if the
   * message runs no matching statement.
   */
  private static TapAction fail(Conversation conversation, ActiveFault f, Fault.FailStatements fail,
      ClientMessage decoded, long now) {
    String raise = SessionInspector.raise(fail.sqlState(), fail.effectiveMessage());
    if (decoded instanceof ClientMessage.Query q) {
      List<SqlStatements.Span> spans = SqlStatements.split(q.sql());
      for (int i = 0; i < spans.size(); i++) {
        SqlStatements.Span span = spans.get(i);
        if (f.matches(span.of(q.sql())) && f.use()) {
          String sql = q.sql();
          String rewritten = sql.substring(0, span.start()) + raise + sql.substring(span.end());
          conversation.injectedQuery(sql, spans, i, now);
          return new TapAction.Replace(ClientMessages.query(rewritten));
        }
      }
      return null;
    }
    if (decoded instanceof ClientMessage.Execute e) {
      Pending execute = conversation.peekExecute(e, now);
      if (!f.matches(execute.sql) || !f.use()) {
        return null;
      }
      // On the unnamed statement and portal: pgjdbc and libpq re-Parse the unnamed statement for
      // each use, and after the error the backend skips the rest of the batch anyway. A Bind of
      // the client's own is already done, so its parameter count does not matter.
      conversation.injectedExecute(raise, execute, now);
      return new TapAction.Replace(
          ClientMessages.concat(
              ClientMessages.parse("", raise), ClientMessages.bind("", ""), ClientMessages.execute("")));
    }
    return null;
  }
}
