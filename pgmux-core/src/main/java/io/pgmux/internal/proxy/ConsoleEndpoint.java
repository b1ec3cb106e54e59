package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.internal.console.Command;
import io.pgmux.internal.console.CommandParser;
import io.pgmux.internal.console.Console;
import io.pgmux.internal.console.ConsoleError;
import io.pgmux.internal.console.Result;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.BackendMessages;
import io.pgmux.internal.protocol.ClientFrames;
import io.pgmux.internal.protocol.ClientMessage;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ResultMessages;
import io.pgmux.internal.protocol.SqlStatements;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The admin console's end of a session, once the proxy has authenticated the admin user: answers
 * the client's simple queries in-process, with no backend connection. Commands run on the event
 * loop, for they only read or change the proxy's state in memory; {@code RELOAD}, which reads a
 * file, runs off the loop, and the client's next messages wait until its answer is written. It
 * only reports: the session asks {@link #finished()} after each call.
 *
 * <p>All methods run on the session's event loop, except that a deferred answer comes back
 * through {@link EventLoop#execute}.
 */
final class ConsoleEndpoint {
  private static final int READ_SIZE = 8192;
  /** The longest message the console reads: commands are short. */
  private static final int MAX_MESSAGE = 1 << 20;
  private static final String EXTENDED =
      "pgmux: the admin console speaks the simple query protocol only (preferQueryMode=simple)";

  private final Transport client;
  private final EventLoop loop;
  private final Console console;
  private final Map<String, String> parameters;
  /** Runs once a deferred answer was queued, so the session drives the socket again. */
  private final Runnable settled;
  private final ClientFrames frames = new ClientFrames(MAX_MESSAGE);
  /** Messages queued for the client, in order. Each in draining mode. */
  private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
  /** The statements of the current query not yet run, while one runs off the loop; else null. */
  private List<String> waiting;
  /** After an extended-protocol message: everything up to Sync is skipped. */
  private boolean skippingToSync;
  /** A FATAL is queued: the session ends once the queued output is written. */
  private boolean closing;
  private boolean finished;

  /**
   * @param parameters the parameters reported at login, by lower-case name, in report order
   * @param settled run on the loop after an answer that came off the loop was queued
   */
  ConsoleEndpoint(Transport client, EventLoop loop, Console console, Map<String, String> parameters,
      Runnable settled) {
    this.client = client;
    this.loop = loop;
    this.console = console;
    this.parameters = parameters;
    this.settled = settled;
  }

  /** Greets the client as a backend does after AuthenticationOk, then takes what it sent already. */
  void start(Map<String, String> reported, int processId, int secret, ByteBuffer rest)
      throws IOException {
    reported.forEach((name, value) -> out.add(ResultMessages.parameterStatus(name, value)));
    out.add(ResultMessages.backendKeyData(processId, secret));
    out.add(ResultMessages.readyForQuery('I'));
    if (rest != null && rest.hasRemaining()) {
      frames.add(rest);
    }
    readable();
  }

  /** Writes what is queued, then reads and answers the client's messages while it keeps up. */
  void readable() throws IOException {
    ByteBuffer in = ByteBuffer.allocate(READ_SIZE);
    while (!finished && flush() && waiting == null) {
      if (answerNext()) {
        continue;
      }
      in.clear();
      int n = client.read(in);
      if (n < 0) {
        finished = true;
        return;
      }
      if (n == 0) {
        return;
      }
      frames.add(in.flip());
    }
  }

  void writable() throws IOException {
    readable();
  }

  /** Answers the next whole message, if one has arrived; returns whether one had. */
  private boolean answerNext() {
    ClientFrames.Frame frame;
    try {
      frame = frames.next();
    } catch (ProtocolException e) {
      fatal("08P01", "pgmux: " + e.getMessage());
      return false;
    }
    if (frame == null) {
      return false;
    }
    switch (frame.type()) {
      case ClientMessage.QUERY -> query(frame.body());
      case ClientMessage.SYNC -> {
        skippingToSync = false;
        out.add(ResultMessages.readyForQuery('I'));
      }
      case ClientMessage.PARSE, ClientMessage.BIND, ClientMessage.DESCRIBE, ClientMessage.EXECUTE,
          ClientMessage.CLOSE, ClientMessage.FLUSH -> {
        if (!skippingToSync) {
          skippingToSync = true;
          out.add(ResultMessages.error("0A000", EXTENDED, null));
        }
      }
      case ClientMessage.FUNCTION_CALL -> {
        out.add(ResultMessages.error("0A000", EXTENDED, null));
        out.add(ResultMessages.readyForQuery('I'));
      }
      case ClientMessage.TERMINATE -> finished = true;
      // As PostgreSQL: copy messages outside COPY are ignored.
      case ClientMessage.COPY_DATA, ClientMessage.COPY_DONE, ClientMessage.COPY_FAIL -> {}
      default -> fatal("08P01", "pgmux: invalid frontend message type " + (frame.type() & 0xff));
    }
    return true;
  }

  private void query(ByteBuffer body) {
    if (skippingToSync) {
      return; // as a backend after an error in a batch: nothing but Sync counts
    }
    String sql = StandardCharsets.UTF_8.decode(body).toString();
    int nul = sql.indexOf('\0');
    if (nul >= 0) {
      sql = sql.substring(0, nul);
    }
    String text = sql;
    List<String> statements = SqlStatements.split(text).stream().map(s -> s.of(text)).toList();
    if (statements.isEmpty()) {
      out.add(ResultMessages.emptyQueryResponse());
      out.add(ResultMessages.readyForQuery('I'));
      return;
    }
    runFrom(statements);
  }

  /** Runs the statements in order until one fails or must wait, then ReadyForQuery. */
  private void runFrom(List<String> statements) {
    for (int i = 0; i < statements.size(); i++) {
      CompletionStage<Result> stage;
      try {
        Command command = CommandParser.parse(statements.get(i));
        stage = console.run(command, parameters);
      } catch (ConsoleError e) {
        failed(e);
        return;
      }
      var now = stage.toCompletableFuture();
      if (!now.isDone()) {
        List<String> rest = statements.subList(i + 1, statements.size());
        waiting = rest;
        stage.whenComplete((result, failure) -> loop.execute(() -> answered(result, failure)));
        return;
      }
      if (!answer(now.handle((result, failure) -> failure == null ? result : failure).join())) {
        return;
      }
    }
    out.add(ResultMessages.readyForQuery('I'));
  }

  /** A statement run off the loop is answered: queue it and go on with the query's rest. */
  private void answered(Result result, Throwable failure) {
    if (finished) {
      return;
    }
    List<String> rest = waiting;
    waiting = null;
    if (answer(failure == null ? result : failure)) {
      runFrom(rest);
    }
    settled.run();
  }

  /** Queues a result or an error; returns false (and ends the query) for an error. */
  private boolean answer(Object outcome) {
    if (outcome instanceof Result result) {
      if (result.columns() != null) {
        out.add(ResultMessages.rowDescription(result.columns()));
        for (List<String> row : result.rows()) {
          out.add(ResultMessages.dataRow(row));
        }
      }
      out.add(ResultMessages.commandComplete(result.tag()));
      return true;
    }
    Throwable failure = (Throwable) outcome;
    if (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    failed(failure instanceof ConsoleError e
        ? e
        : new ConsoleError("XX000", "pgmux: " + failure.getMessage()));
    return false;
  }

  private void failed(ConsoleError e) {
    out.add(ResultMessages.error(e.sqlState(), e.getMessage(), e.hint()));
    out.add(ResultMessages.readyForQuery('I'));
  }

  /** Queues a FATAL error; the session ends once it is written. */
  private void fatal(String sqlState, String message) {
    out.add(BackendMessages.fatal(sqlState, message));
    closing = true;
  }

  /** Writes what is queued; returns true once nothing is. */
  private boolean flush() throws IOException {
    while (!out.isEmpty()) {
      ByteBuffer next = out.peek();
      client.write(next);
      if (next.hasRemaining()) {
        return false;
      }
      out.poll();
    }
    boolean flushed = client.flush();
    if (flushed && closing) {
      finished = true;
    }
    return flushed && !closing;
  }

  /** Returns the interest the client's socket needs. */
  int clientOps() {
    if (finished) {
      return 0;
    }
    if (!out.isEmpty()) {
      return OP_WRITE;
    }
    return waiting != null || closing ? 0 : OP_READ;
  }

  /** Returns whether the session is over: the client left, or said Terminate. */
  boolean finished() {
    return finished;
  }

  /** Returns whether no message is half sent, so the proxy may send an error of its own. */
  boolean atBoundary() {
    return (out.isEmpty() || out.peek().position() == 0) && !client.hasQueuedOutput();
  }
}
