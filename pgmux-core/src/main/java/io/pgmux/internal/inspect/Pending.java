package io.pgmux.internal.inspect;

import io.pgmux.internal.protocol.SqlStatements;
import java.util.List;

/** A client message, as the backend got it, still owed an answer; see {@link Conversation}. */
final class Pending {
  enum Kind { PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, SYNC, QUERY, FUNCTION_CALL }

  final Kind kind;
  /** True if the proxy, not the client, sent it: its answers are the proxy's to drop. */
  final boolean injected;
  /** The statement it runs: for EXECUTE its portal's, for QUERY the whole text. */
  final String sql;
  final List<String> parameters;
  final String portal;
  final long sentNanos;
  /** QUERY only: its statements, and how many of them the backend has answered. */
  List<SqlStatements.Span> spans;
  int answered;
  /** QUERY only: the statement the proxy replaced with one that fails, or -1. */
  int injectedStatement = -1;

  Pending(Kind kind, boolean injected, String sql, List<String> parameters, String portal, long sentNanos) {
    this.kind = kind;
    this.injected = injected;
    this.sql = sql;
    this.parameters = parameters;
    this.portal = portal;
    this.sentNanos = sentNanos;
  }
}
