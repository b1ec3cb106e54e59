package io.pgmux.internal.inspect;

import static io.pgmux.test.Frames.bind;
import static io.pgmux.test.Frames.bindComplete;
import static io.pgmux.test.Frames.commandComplete;
import static io.pgmux.test.Frames.describe;
import static io.pgmux.test.Frames.execute;
import static io.pgmux.test.Frames.parse;
import static io.pgmux.test.Frames.parseComplete;
import static io.pgmux.test.Frames.query;
import static io.pgmux.test.Frames.ready;
import static io.pgmux.test.Frames.rowDescription;
import static io.pgmux.test.Frames.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.pgmux.ExecutedStatement;
import io.pgmux.Fault;
import io.pgmux.RouteRequest;
import io.pgmux.TransactionStatus;
import io.pgmux.internal.protocol.ClientMessage;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.test.Frames;
import io.pgmux.test.Frames.Body;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Faults act on the messages of their user's sessions only, and keep both sides in step. */
class FaultTapTest {
  private final StatementLog log = new StatementLog(100);
  private final FaultRegistry faults = new FaultRegistry();
  private final Inspection inspection = new Inspection(log, false, null, faults);
  private final FakeSession aliceSession = new FakeSession("alice");
  private final MessageTap alice = inspection.open(aliceSession);
  private final FakeSession bobSession = new FakeSession("bob");
  private final MessageTap bob = inspection.open(bobSession);

  private static List<ClientMessage> decoded(TapAction action) throws Exception {
    assertThat(action).isInstanceOf(TapAction.Replace.class);
    var out = new java.util.ArrayList<ClientMessage>();
    for (TapMessage m : Frames.split(((TapAction.Replace) action).messages())) {
      out.add(ClientMessage.decode(m.type(), m.body(), true, true));
    }
    return out;
  }

  private static void passes(MessageTap tap, TapMessage... messages) {
    for (TapMessage m : messages) {
      assertThat(tap.fromClient(m)).isEqualTo(TapAction.PASS);
    }
  }

  private static void answers(MessageTap tap, TapMessage... messages) {
    for (TapMessage m : messages) {
      assertThat(tap.fromBackend(m)).isEqualTo(TapAction.PASS);
    }
  }

  @Test
  void aFailingSimpleStatementIsReplacedByABlockThatRaisesTheError() throws Exception {
    var handle = faults.add("alice", Fault.failStatements("insert into invoices%", "40001").times(1));
    String sql = "BEGIN; INSERT INTO invoices VALUES (1); COMMIT";
    List<ClientMessage> sent = decoded(alice.fromClient(query(sql)));
    String expected =
        "BEGIN; DO $pgmux$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = "
            + "$m$pgmux: injected fault (SQLSTATE 40001)$m$; END $pgmux$; COMMIT";
    assertThat(sent).containsExactly(new ClientMessage.Query(expected));
    // The backend raises it; the context line that would show the DO block is dropped.
    answers(alice, commandComplete("BEGIN"));
    TapMessage raised = raisedError("40001", "pgmux: injected fault (SQLSTATE 40001)");
    TapAction rewritten = alice.fromBackend(raised);
    assertThat(Frames.split(((TapAction.Replace) rewritten).messages()).get(0).body())
        .isEqualTo(Frames.error("40001", "pgmux: injected fault (SQLSTATE 40001)").body());
    answers(alice, ready('E'));
    assertThat(log.snapshot(s -> true))
        .extracting(ExecutedStatement::sql, ExecutedStatement::sqlState, ExecutedStatement::transactionStatus)
        .containsExactly(
            tuple("BEGIN", null, TransactionStatus.IN_TRANSACTION),
            tuple("INSERT INTO invoices VALUES (1)", "40001", TransactionStatus.FAILED));
    assertThat(handle.fired()).isEqualTo(1);
    assertThat(handle.isActive()).isFalse();
    passes(alice, query("INSERT INTO invoices VALUES (2)")); // used up
  }

  private static TapMessage raisedError(String sqlState, String message) {
    return Frames.message(
        'E',
        new Body().int8('S').cstring("ERROR").int8('V').cstring("ERROR").int8('C').cstring(sqlState)
            .int8('M').cstring(message).int8('W').cstring("PL/pgSQL function inline_code_block line 1 at RAISE")
            .int8('\0').bytes());
  }

  @Test
  void aFailingExecuteBecomesAnUnnamedDoAndTheExtraAnswersAreDropped() throws Exception {
    faults.add("alice", Fault.failStatements(Pattern.compile("(?i)insert into invoices.*"), "23505")
        .withMessage("duplicate key value violates unique constraint \"invoices_pkey\""));
    passes(alice, parse("S_1", "insert into invoices values ($1)", 23), bind("", "S_1", "1"),
        describe('P', ""));
    List<ClientMessage> sent = decoded(alice.fromClient(execute("")));
    String raise = "DO $pgmux$ BEGIN RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = "
        + "$m$duplicate key value violates unique constraint \"invoices_pkey\"$m$; END $pgmux$";
    assertThat(sent).containsExactly(
        new ClientMessage.Parse("", raise, List.of()),
        new ClientMessage.Bind("", "", List.of()),
        new ClientMessage.Execute("", 0));
    passes(alice, sync());
    answers(alice, parseComplete(), bindComplete(), rowDescription());
    // The DO block's own ParseComplete and BindComplete never reach the client.
    assertThat(alice.fromBackend(parseComplete())).isEqualTo(new TapAction.Replace(java.nio.ByteBuffer.allocate(0)));
    assertThat(alice.fromBackend(bindComplete())).isEqualTo(new TapAction.Replace(java.nio.ByteBuffer.allocate(0)));
    assertThat(alice.fromBackend(raisedError("23505", "dup"))).isInstanceOf(TapAction.Replace.class);
    answers(alice, ready('I'));
    assertThat(log.snapshot(s -> true))
        .extracting(ExecutedStatement::sql, ExecutedStatement::sqlState)
        .containsExactly(tuple("insert into invoices values ($1)", "23505"));
    // Unlimited: the next run fails too; other statements pass.
    passes(alice, bind("", "S_1", "2"));
    assertThat(alice.fromClient(execute(""))).isInstanceOf(TapAction.Replace.class);
    passes(alice, sync(), query("SELECT 1"));
  }

  @Test
  void faultsWorkWithTheJournalOff() throws Exception {
    MessageTap tap = new Inspection(null, false, null, faults).open(new FakeSession("alice"));
    faults.add("alice", Fault.failStatements("insert%", "40001"));
    List<ClientMessage> sent = decoded(tap.fromClient(query("SELECT 1; INSERT INTO t VALUES (1)")));
    assertThat(((ClientMessage.Query) sent.get(0)).sql()).startsWith("SELECT 1; DO $pgmux$");
    answers(tap, commandComplete("SELECT 1"));
    assertThat(tap.fromBackend(raisedError("40001", "x"))).isInstanceOf(TapAction.Replace.class);
    answers(tap, ready('I'));
    passes(tap, parse("", "insert into t values (2)"), bind("", ""));
    assertThat(decoded(tap.fromClient(execute("")))).hasSize(3);
    passes(tap, sync());
    answers(tap, parseComplete(), bindComplete()); // the client's own
    assertThat(tap.fromBackend(parseComplete())).isEqualTo(new TapAction.Replace(java.nio.ByteBuffer.allocate(0)));
  }

  @Test
  void statementsTheBackendWillSkipAreLeftAlone() {
    faults.add("alice", Fault.failStatements("select 2", "40001"));
    passes(alice, parse("", "select 1/0"), bind("", ""), execute(""), io.pgmux.test.Frames.flush());
    answers(alice, parseComplete(), bindComplete());
    alice.fromBackend(Frames.error("22012", "division by zero"));
    passes(alice, parse("", "select 2"), bind("", ""), execute(""), sync());
  }

  @Test
  void otherTenantsAreNeverTouched() {
    faults.add("alice", Fault.failStatements("%", "40001"));
    faults.add("alice", Fault.stall());
    faults.add("alice", Fault.latency(Duration.ofSeconds(1)));
    faults.add("alice", Fault.dropAfterCommit());
    faults.add("alice", Fault.bandwidth(1));
    faults.add("alice", Fault.terminateSessions().afterStatements(1));
    passes(bob, query("COMMIT"), parse("", "select 1"), bind("", ""), execute(""), sync());
    answers(bob, commandComplete("COMMIT"), ready('I'));
    faults.add("alice", Fault.terminateSessions());
    assertThat(bobSession.terminations).isEmpty();
    assertThat(bobSession.cuts).isZero();
    assertThat(faults.admit("bob")).isNull();
  }

  @Test
  void refusesLoginsWhileTheFaultStands() {
    var handle = faults.add("alice", Fault.refuseLogins("53300", "sorry, too many clients already"));
    RouteRequest request = new RouteRequest("alice", "app", Map.of(), new InetSocketAddress(1), false, null);
    assertThat(inspection.admit(request, null))
        .isEqualTo(new SessionTaps.Refusal("53300", "sorry, too many clients already"));
    faults.remove(handle);
    assertThat(inspection.admit(request, null)).isNull();
  }

  @Test
  void stallsBothWaysUntilRemoved() {
    var handle = faults.add("alice", Fault.stall());
    assertThat(alice.fromClient(query("SELECT 1"))).isInstanceOf(TapAction.Hold.class);
    assertThat(alice.fromBackend(Frames.notice("hello"))).isInstanceOf(TapAction.Hold.class);
    assertThat(aliceSession.resumes).isZero();
    faults.remove(handle);
    assertThat(aliceSession.resumes).isEqualTo(1);
    assertThat(bobSession.resumes).isZero();
    // The held query went on its way: its answer is matched to it.
    answers(alice, commandComplete("SELECT 1"), ready('I'));
    assertThat(log.snapshot(s -> true)).extracting(ExecutedStatement::sql).containsExactly("SELECT 1");
  }

  @Test
  void dropsTheConnectionOnTheCommitsAnswerOnly() {
    var handle = faults.add("alice", Fault.dropAfterCommit());
    passes(alice, query("BEGIN; COMMIT"));
    answers(alice, commandComplete("BEGIN"));
    assertThat(alice.fromBackend(commandComplete("COMMIT"))).isInstanceOf(TapAction.Cut.class);
    alice.ended();
    // The commit happened and is recorded so.
    assertThat(log.snapshot(s -> true)).extracting(ExecutedStatement::command).containsExactly("BEGIN", "COMMIT");
    assertThat(handle.fired()).isEqualTo(1);
    assertThat(handle.isActive()).isFalse();
  }

  @Test
  void aFailedBlocksCommitIsNoCommit() {
    faults.add("alice", Fault.dropAfterCommit());
    passes(alice, query("COMMIT"));
    answers(alice, commandComplete("ROLLBACK"), ready('I'));
  }

  @Test
  void terminatesTheUsersLiveSessionsNow() {
    FakeSession second = new FakeSession("alice");
    inspection.open(second).ended(); // a session that has ended is not terminated
    FakeSession third = new FakeSession("alice");
    inspection.open(third);
    var handle = faults.add("alice", Fault.terminateSessions());
    assertThat(aliceSession.terminations).containsExactly("57P01 terminating connection due to administrator command");
    assertThat(third.terminations).hasSize(1);
    assertThat(second.terminations).isEmpty();
    assertThat(handle.fired()).isEqualTo(2);
    assertThat(handle.isActive()).isFalse();
    faults.add("alice", Fault.terminateSessions().byCuttingConnections());
    assertThat(aliceSession.cuts).isEqualTo(1);
  }

  @Test
  void terminatesWhenTheSessionSendsTheStatementAfterTheNth() {
    FakeSession other = new FakeSession("alice");
    inspection.open(other);
    var handle = faults.add("alice", Fault.terminateSessions().afterStatements(2));
    passes(alice, query("SELECT 1"));
    answers(alice, commandComplete("SELECT 1"), ready('I'));
    passes(alice, parse("", "select 2"), bind("", ""), execute(""), sync());
    answers(alice, parseComplete(), bindComplete(), commandComplete("SELECT 1"), ready('I'));
    assertThat(other.terminations).isEmpty();
    assertThat(alice.fromClient(query("SELECT 3")))
        .isEqualTo(new TapAction.Terminate("57P01", "terminating connection due to administrator command"));
    assertThat(other.terminations).hasSize(1);
    assertThat(aliceSession.terminations).isEmpty(); // by the action, not a second time
    assertThat(handle.fired()).isEqualTo(2);
    assertThat(handle.isActive()).isFalse();
    passes(bob, query("SELECT 1"));
  }

  @Test
  void delaysEachStatementButNotTheRest() {
    faults.add("alice", Fault.latency(Duration.ofMillis(50)));
    assertThat(alice.fromClient(query("SELECT 1"))).isEqualTo(new TapAction.Delay(Duration.ofMillis(50)));
    assertThat(alice.fromClient(parse("", "select 1"))).isEqualTo(TapAction.PASS);
    assertThat(alice.fromClient(bind("", ""))).isEqualTo(TapAction.PASS);
    assertThat(alice.fromClient(execute(""))).isEqualTo(new TapAction.Delay(Duration.ofMillis(50)));
  }

  @Test
  void jitterStaysWithinItsBounds() {
    var latency = Fault.latency(Duration.ofMillis(10)).withJitter(Duration.ofMillis(5));
    for (int i = 0; i < 200; i++) {
      assertThat(SessionInspector.jittered(latency)).isBetween(Duration.ofMillis(5), Duration.ofMillis(15));
    }
  }

  @Test
  void capsBandwidthByMessageSize() {
    faults.add("alice", Fault.bandwidth(1000));
    TapMessage big = Frames.copyData("x".repeat(995)); // 1000 bytes on the wire
    assertThat(alice.fromClient(big)).isEqualTo(new TapAction.Delay(Duration.ofSeconds(1)));
    assertThat(alice.fromBackend(Frames.dataRow("y".repeat(989)))).isEqualTo(new TapAction.Delay(Duration.ofSeconds(1)));
  }

  @Test
  void theRaisingBlockQuotesAnyMessage() {
    assertThat(SessionInspector.raise("40001", "it's $m$ and $pgmux$"))
        .isEqualTo("DO $pgmux1$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = "
            + "$m1$it's $m$ and $pgmux$$m1$; END $pgmux1$");
    assertThat(SessionInspector.raise("40001", "ends in $m")).contains("$m1$ends in $m$m1$");
  }

  @Test
  void clearRemovesEverythingAndResumesStalls() {
    faults.add("alice", Fault.stall());
    faults.add("alice", Fault.latency(Duration.ofMillis(1)));
    assertThat(faults.active()).hasSize(2);
    faults.clear();
    assertThat(faults.active()).isEmpty();
    assertThat(aliceSession.resumes).isEqualTo(1);
    passes(alice, query("SELECT 1"));
  }

  @SuppressWarnings("unused")
  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
