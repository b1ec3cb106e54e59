package io.pgmux.junit5.internal.refresh;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small JDBC and waiting helpers of this package. */
final class Sql {
  private Sql() {}

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Quotes an identifier, as PostgreSQL's {@code quote_ident} does. */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** Quotes a string literal. */
  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** Returns the first column of the first row, a number. */
  static long single(PreparedStatement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** Waits for {@code future} at most {@code timeout}, rethrowing its failure as it is. */
  static <T> T await(CompletableFuture<T> future, String what, Duration timeout) {
    try {
      return future.get(timeout.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("pgmux: " + what + " failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("pgmux: " + what + " took over " + timeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pgmux: interrupted waiting for " + what, e);
    }
  }
}
