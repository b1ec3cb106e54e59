package io.pgmux;

import io.pgmux.internal.inspect.SqlLike;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One statement a tenant ran, as the {@link StatementJournal} recorded it: from the client's
 * message to the backend's answer.
 *
 * <p>A simple query holding several statements ({@code BEGIN; UPDATE ...; COMMIT}) gives one
 * entry per statement. An extended-protocol {@code Execute} gives one entry with the text of the
 * prepared statement it ran, named or unnamed. Statements the backend skipped after an error in
 * the same batch never ran and are not recorded; nor are empty queries. A fast-path function call
 * is recorded as {@code fast-path function call (oid N)}, command {@code FUNCTION CALL}.
 *
 * @param sessionId the {@link SessionInfo#id() session} that ran it
 * @param user the user name the client logged in with: the tenant
 * @param database the database the client asked for
 * @param backend the backend the session was routed to
 * @param sql the statement's text (of a very long text, the start)
 * @param parameters the Bind parameter values as text (binary ones as {@code \x} hex, SQL NULL as
 *     null), or null unless the journal records parameters; always null for simple queries
 * @param command the command tag without its row count ({@code INSERT}, {@code CREATE TABLE}),
 *     or null if the statement failed
 * @param rows the row count of the command tag ({@code INSERT 0 3} gives 3), or -1 if it has none
 * @param sqlState the SQLSTATE of the error the statement failed with, or null if it succeeded
 * @param errorMessage the error's message, or null if it succeeded
 * @param transactionStatus the session's transaction status after the statement
 * @param startedAt when the backend could start it: when the client sent it, or, pipelined behind
 *     other messages, when the backend finished answering the one before
 * @param duration from {@code startedAt} to the backend's answer
 */
public record ExecutedStatement(
    long sessionId,
    String user,
    String database,
    BackendConfig backend,
    String sql,
    List<String> parameters,
    String command,
    long rows,
    String sqlState,
    String errorMessage,
    TransactionStatus transactionStatus,
    Instant startedAt,
    Duration duration) {

  /** Returns whether the statement failed. */
  public boolean failed() {
    return sqlState != null;
  }

  /** Returns the database the backend ran it in: the route's rewrite, or the client's own. */
  public String backendDatabase() {
    return backend.database() != null ? backend.database() : database;
  }

  /**
   * Returns whether the statement's text matches a SQL {@code LIKE} pattern: {@code %} matches
   * any run of characters, {@code _} any one, {@code \} escapes either. The match ignores case
   * and treats each run of white space (newlines included) as one space, and leading and
   * trailing white space as none, so {@code "insert into invoices%"} matches {@code "INSERT
   * INTO\n  invoices (id) VALUES ($1)"}.
   */
  public boolean matches(String likePattern) {
    return SqlLike.compile(likePattern).matches(sql);
  }
}
