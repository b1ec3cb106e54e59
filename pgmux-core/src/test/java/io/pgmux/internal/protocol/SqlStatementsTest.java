package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlStatementsTest {

  private static List<String> split(String sql) {
    return SqlStatements.split(sql).stream().map(s -> s.of(sql)).toList();
  }

  @Test
  void splitsAtSemicolonsAndTrims() {
    assertThat(split("BEGIN; INSERT INTO t VALUES (1) ;COMMIT;"))
        .containsExactly("BEGIN", "INSERT INTO t VALUES (1)", "COMMIT");
    assertThat(split("SELECT 1")).containsExactly("SELECT 1");
  }

  @Test
  void emptyStatementsAndCommentsOnlyAreNoStatements() {
    assertThat(split("")).isEmpty();
    assertThat(split("  ;; -- nothing\n ; /* at /* all */ */")).isEmpty();
    assertThat(split("SELECT 1;;SELECT 2")).containsExactly("SELECT 1", "SELECT 2");
  }

  @Test
  void ignoresSemicolonsInQuotesAndComments() {
    assertThat(split("SELECT 'a;b', \"c;d\" FROM t -- e;f\n; SELECT 2"))
        .containsExactly("SELECT 'a;b', \"c;d\" FROM t -- e;f", "SELECT 2");
    assertThat(split("SELECT 'it''s; fine'; SELECT E'\\'; still'; SELECT 3"))
        .containsExactly("SELECT 'it''s; fine'", "SELECT E'\\'; still'", "SELECT 3");
    assertThat(split("SELECT /* a; /* b; */ c; */ 1; SELECT 2"))
        .containsExactly("SELECT /* a; /* b; */ c; */ 1", "SELECT 2");
  }

  @Test
  void followsDollarQuotesButNotParametersOrIdentifiers() {
    String body = "DO $pgmux$ BEGIN RAISE EXCEPTION 'x;y'; END $pgmux$";
    assertThat(split(body + "; SELECT 1")).containsExactly(body, "SELECT 1");
    assertThat(split("SELECT $$;$$; SELECT 2")).containsExactly("SELECT $$;$$", "SELECT 2");
    assertThat(split("SELECT $1; SELECT a$b; SELECT 3"))
        .containsExactly("SELECT $1", "SELECT a$b", "SELECT 3");
  }

  @Test
  void keepsStandardFunctionBodiesWhole() {
    String sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END";
    assertThat(split(sql)).containsExactly(sql);
  }

  @Test
  void anUnterminatedQuoteRunsToTheEnd() {
    assertThat(split("SELECT 'oops; SELECT 2")).containsExactly("SELECT 'oops; SELECT 2");
  }
}
