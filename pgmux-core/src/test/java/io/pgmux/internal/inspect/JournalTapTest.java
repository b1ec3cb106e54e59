package io.pgmux.internal.inspect;

import static io.pgmux.test.Frames.bind;
import static io.pgmux.test.Frames.bindComplete;
import static io.pgmux.test.Frames.commandComplete;
import static io.pgmux.test.Frames.copyData;
import static io.pgmux.test.Frames.copyDone;
import static io.pgmux.test.Frames.copyInResponse;
import static io.pgmux.test.Frames.dataRow;
import static io.pgmux.test.Frames.describe;
import static io.pgmux.test.Frames.error;
import static io.pgmux.test.Frames.execute;
import static io.pgmux.test.Frames.flush;
import static io.pgmux.test.Frames.noData;
import static io.pgmux.test.Frames.parameterDescription;
import static io.pgmux.test.Frames.parse;
import static io.pgmux.test.Frames.parseComplete;
import static io.pgmux.test.Frames.portalSuspended;
import static io.pgmux.test.Frames.query;
import static io.pgmux.test.Frames.ready;
import static io.pgmux.test.Frames.rowDescription;
import static io.pgmux.test.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.pgmux.ExecutedStatement;
import io.pgmux.ProxyListener;
import io.pgmux.TransactionStatus;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** The journal follows byte scripts of real conversations and records one entry per statement. */
class JournalTapTest {
  private final StatementLog log = new StatementLog(100);
  private final List<ExecutedStatement> heard = new ArrayList<>();
  private final ProxyListener listener =
      new ProxyListener() {
        @Override
        public void statementCompleted(ExecutedStatement statement) {
          heard.add(statement);
        }
      };
  private MessageTap tap = tap(false);

  private MessageTap tap(boolean parameters) {
    return new Inspection(log, parameters, listener, null).open(new FakeSession("alice"));
  }

  private void client(TapMessage... messages) {
    for (TapMessage m : messages) {
      assertThat(tap.fromClient(m)).isEqualTo(TapAction.PASS);
    }
  }

  private void backend(TapMessage... messages) {
    for (TapMessage m : messages) {
      assertThat(tap.fromBackend(m)).isEqualTo(TapAction.PASS);
    }
  }

  private List<ExecutedStatement> entries() {
    return log.snapshot(s -> true);
  }

  private static Tuple entry(String sql, String command, long rows, String sqlState, TransactionStatus status) {
    return tuple(sql, command, rows, sqlState, status);
  }

  private void assertEntries(Tuple... expected) {
    assertThat(entries())
        .extracting(
            ExecutedStatement::sql,
            ExecutedStatement::command,
            ExecutedStatement::rows,
            ExecutedStatement::sqlState,
            ExecutedStatement::transactionStatus)
        .containsExactly(expected);
  }

  @Test
  void recordsASimpleQueryWithWhoRanItWhereAndWhen() {
    client(query("SELECT 1"));
    backend(rowDescription(), dataRow("1"), commandComplete("SELECT 1"));
    assertThat(entries()).isEmpty(); // recorded once the batch is answered
    backend(ready('I'));
    assertEntries(entry("SELECT 1", "SELECT", 1, null, TransactionStatus.IDLE));
    ExecutedStatement s = entries().get(0);
    assertThat(s.user()).isEqualTo("alice");
    assertThat(s.database()).isEqualTo("app");
    assertThat(s.backendDatabase()).isEqualTo("tenant_alice");
    assertThat(s.backend().port()).isEqualTo(5432);
    assertThat(s.parameters()).isNull();
    assertThat(s.failed()).isFalse();
    assertThat(s.duration().isNegative()).isFalse();
    assertThat(heard).isEqualTo(entries());
  }

  @Test
  void givesEachStatementOfAMultiStatementQueryItsOwnEntryAndStatus() {
    client(query("BEGIN; INSERT INTO t VALUES (1); COMMIT"));
    backend(commandComplete("BEGIN"), commandComplete("INSERT 0 1"), commandComplete("COMMIT"), ready('I'));
    assertEntries(
        entry("BEGIN", "BEGIN", -1, null, TransactionStatus.IN_TRANSACTION),
        entry("INSERT INTO t VALUES (1)", "INSERT", 1, null, TransactionStatus.IN_TRANSACTION),
        entry("COMMIT", "COMMIT", -1, null, TransactionStatus.IDLE));
  }

  @Test
  void anErrorEndsASimpleQueryAndFailsTheBlock() {
    client(query("BEGIN; INSERT INTO missing VALUES (1); SELECT 1"));
    backend(commandComplete("BEGIN"), error("42P01", "relation \"missing\" does not exist"), ready('E'));
    assertEntries(
        entry("BEGIN", "BEGIN", -1, null, TransactionStatus.IN_TRANSACTION),
        entry("INSERT INTO missing VALUES (1)", null, -1, "42P01", TransactionStatus.FAILED));
    assertThat(entries().get(1).errorMessage()).isEqualTo("relation \"missing\" does not exist");
    client(query("SELECT 2"));
    backend(error("25P02", "current transaction is aborted"), ready('E'));
    client(query("ROLLBACK"));
    backend(commandComplete("ROLLBACK"), ready('I'));
    assertThat(entries()).extracting(ExecutedStatement::sqlState).containsExactly(null, "42P01", "25P02", null);
    assertThat(entries().get(3).transactionStatus()).isEqualTo(TransactionStatus.IDLE);
  }

  @Test
  void recordsTheTextOfTheUnnamedStatementAnExecuteRuns() {
    client(parse("", "select name from invoices where id = $1", 23), bind("", "", "7"),
        describe('P', ""), execute(""), sync());
    backend(parseComplete(), bindComplete(), rowDescription(), dataRow("x"), commandComplete("SELECT 1"), ready('I'));
    assertEntries(entry("select name from invoices where id = $1", "SELECT", 1, null, TransactionStatus.IDLE));
    assertThat(entries().get(0).parameters()).isNull();
  }

  @Test
  void recordsParametersOnlyWhenAsked() {
    tap = tap(true);
    client(parse("", "insert into t values ($1, $2)"), bind("", "", "7", null), execute(""), sync());
    backend(parseComplete(), bindComplete(), commandComplete("INSERT 0 1"), ready('I'));
    assertThat(entries().get(0).parameters()).isEqualTo(Arrays.asList("7", null));
  }

  @Test
  void followsNamedStatementsAcrossBatches() {
    client(parse("S_1", "update t set x = $1"), describe('S', "S_1"), sync());
    backend(parseComplete(), parameterDescription(), noData(), ready('I'));
    assertThat(entries()).isEmpty(); // preparing runs nothing
    for (int i = 0; i < 2; i++) {
      client(bind("", "S_1", "1"), execute(""), sync());
      backend(bindComplete(), commandComplete("UPDATE 3"), ready('I'));
    }
    client(parse("", "select 1"), bind("", ""), execute(""), sync());
    backend(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
    assertThat(entries()).extracting(ExecutedStatement::sql)
        .containsExactly("update t set x = $1", "update t set x = $1", "select 1");
  }

  @Test
  void matchesAPipelinedBatchInOrderAndSkipsWhatFollowsAnError() {
    client(parse("", "BEGIN"), bind("", ""), execute(""));
    for (int i = 1; i <= 3; i++) {
      client(parse("", "insert into t values (" + i + ")"), bind("", ""), execute(""));
    }
    client(sync());
    backend(parseComplete(), bindComplete(), commandComplete("BEGIN"));
    backend(parseComplete(), bindComplete(), commandComplete("INSERT 0 1"));
    backend(parseComplete(), bindComplete(), error("23505", "duplicate key value"));
    backend(ready('E'));
    assertEntries(
        entry("BEGIN", "BEGIN", -1, null, TransactionStatus.IN_TRANSACTION),
        entry("insert into t values (1)", "INSERT", 1, null, TransactionStatus.IN_TRANSACTION),
        entry("insert into t values (2)", null, -1, "23505", TransactionStatus.FAILED));
  }

  @Test
  void messagesSentAfterAnErrorAndBeforeSyncAreSkippedToo() {
    client(parse("", "select 1/0"), bind("", ""), execute(""), flush());
    backend(parseComplete(), bindComplete(), error("22012", "division by zero"));
    client(parse("", "select 2"), bind("", ""), execute(""), sync()); // the backend ignores these
    backend(ready('I'));
    client(query("SELECT 3"));
    backend(dataRow("3"), commandComplete("SELECT 1"), ready('I'));
    assertThat(entries()).extracting(ExecutedStatement::sql, ExecutedStatement::sqlState)
        .containsExactly(tuple("select 1/0", "22012"), tuple("SELECT 3", null));
  }

  @Test
  void aFailedParseIsRecordedWithItsText() {
    client(parse("", "selec 1"), describe('S', ""), sync());
    backend(error("42601", "syntax error at or near \"selec\""), ready('I'));
    assertEntries(entry("selec 1", null, -1, "42601", TransactionStatus.IDLE));
  }

  @Test
  void aFailedBindIsChargedToTheStatementItWouldHaveRun() {
    client(parse("S_2", "select $1::int"), bind("", "S_2", "x"), execute(""), sync());
    backend(parseComplete(), error("22P02", "invalid input syntax for type integer"), ready('I'));
    assertEntries(entry("select $1::int", null, -1, "22P02", TransactionStatus.IDLE));
  }

  @Test
  void aPortalRunInChunksIsOneStatement() {
    client(parse("S_3", "select * from big"), bind("C_1", "S_3"), execute("C_1", 2), sync());
    backend(parseComplete(), bindComplete(), dataRow("1"), dataRow("2"), portalSuspended(), ready('T'));
    client(execute("C_1", 2), sync());
    backend(dataRow("3"), commandComplete("SELECT 1"), ready('T'));
    assertEntries(entry("select * from big", "SELECT", 1, null, TransactionStatus.IN_TRANSACTION));
  }

  @Test
  void recordsCopyFromStdin() {
    client(query("COPY t FROM STDIN"));
    backend(copyInResponse());
    client(copyData("1\n"), copyData("2\n"), copyDone());
    backend(commandComplete("COPY 2"), ready('I'));
    assertEntries(entry("COPY t FROM STDIN", "COPY", 2, null, TransactionStatus.IDLE));
  }

  @Test
  void emptyQueriesAreNotRecorded() {
    client(query(""));
    backend(io.pgmux.test.Frames.emptyQuery(), ready('I'));
    client(parse("", ""), bind("", ""), execute(""), sync());
    backend(parseComplete(), bindComplete(), io.pgmux.test.Frames.emptyQuery(), ready('I'));
    assertThat(entries()).isEmpty();
  }

  @Test
  void recordsFunctionCalls() {
    client(io.pgmux.test.Frames.functionCall(764));
    backend(io.pgmux.test.Frames.functionCallResponse(), ready('I'));
    assertEntries(entry("fast-path function call (oid 764)", "FUNCTION CALL", -1, null, TransactionStatus.IDLE));
  }

  @Test
  void statementsAnsweredBeforeTheSessionEndedAreKept() {
    client(query("BEGIN; COMMIT"));
    backend(commandComplete("BEGIN"), commandComplete("COMMIT"));
    tap.ended();
    assertEntries(
        entry("BEGIN", "BEGIN", -1, null, TransactionStatus.IN_TRANSACTION),
        entry("COMMIT", "COMMIT", -1, null, TransactionStatus.IDLE));
  }

  @Test
  void aTextSplitIntoMoreStatementsThanRanIsRecordedWhole() {
    // Semicolons inside a body the splitter cannot see into: one statement per answer, whole text.
    String sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b)";
    client(query(sql));
    backend(commandComplete("CREATE RULE"), ready('I'));
    assertEntries(entry(sql, "CREATE RULE", -1, null, TransactionStatus.IDLE));
  }

  @Test
  void savepointsKeepTheBlockOpen() {
    client(query("BEGIN; SAVEPOINT a; ROLLBACK TO SAVEPOINT a; SELECT 1"));
    backend(commandComplete("BEGIN"), commandComplete("SAVEPOINT"), commandComplete("ROLLBACK"),
        commandComplete("SELECT 1"), ready('T'));
    assertThat(entries()).extracting(ExecutedStatement::transactionStatus).containsOnly(TransactionStatus.IN_TRANSACTION);
  }

  @Test
  void aBackendAnswerThatFitsNothingStopsFollowingUntilReady() {
    client(query("SELECT 1"));
    backend(parseComplete()); // not an answer to a Query
    backend(commandComplete("SELECT 1"), ready('I'));
    client(query("SELECT 2"));
    backend(commandComplete("SELECT 1"), ready('I'));
    assertThat(entries()).extracting(ExecutedStatement::sql).containsExactly("SELECT 2");
  }

  @Test
  void theRingBufferKeepsTheLatestAndCountsTheRest() {
    StatementLog small = new StatementLog(2);
    tap = new Inspection(small, false, null, null).open(new FakeSession("alice"));
    for (int i = 1; i <= 3; i++) {
      client(query("SELECT " + i));
      backend(commandComplete("SELECT 1"), ready('I'));
    }
    assertThat(small.snapshot(s -> true)).extracting(ExecutedStatement::sql).containsExactly("SELECT 2", "SELECT 3");
    assertThat(small.dropped()).isEqualTo(1);
    small.clear();
    assertThat(small.size()).isZero();
    assertThat(small.dropped()).isZero();
  }
}
