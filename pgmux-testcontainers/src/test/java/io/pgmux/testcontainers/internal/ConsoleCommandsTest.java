package io.pgmux.testcontainers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.Fault;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each fault kind, and each of its options, as the admin console's command (CONSOLE.md). */
class ConsoleCommandsTest {

  @Test
  void refuseLogins() {
    assertThat(ConsoleCommands.addFault("alice", Fault.refuseLogins("53300", "too many clients")))
        .isEqualTo("FAULT \"alice\" REFUSE LOGINS SQLSTATE '53300' MESSAGE 'too many clients'");
  }

  @Test
  void latencyWithAndWithoutJitter() {
    assertThat(ConsoleCommands.addFault("alice", Fault.latency(Duration.ofMillis(150))))
        .isEqualTo("FAULT \"alice\" LATENCY '150ms'");
    assertThat(
            ConsoleCommands.addFault(
                "alice", Fault.latency(Duration.ofSeconds(2)).withJitter(Duration.ofNanos(500_000))))
        .isEqualTo("FAULT \"alice\" LATENCY '2s' JITTER '500us'");
  }

  @Test
  void durationsInTheLargestWholeUnit() {
    assertThat(ConsoleCommands.duration(Duration.ZERO)).isEqualTo("0s");
    assertThat(ConsoleCommands.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(ConsoleCommands.duration(Duration.ofNanos(1_001_000))).isEqualTo("1001us");
    assertThat(ConsoleCommands.duration(Duration.ofMinutes(1))).isEqualTo("60s");
    assertThatThrownBy(() -> ConsoleCommands.addFault("alice", Fault.latency(Duration.ofNanos(1500))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pgmux: duration PT0.0000015S is finer than a microsecond, the admin console's unit");
  }

  @Test
  void bandwidth() {
    assertThat(ConsoleCommands.addFault("alice", Fault.bandwidth(65536)))
        .isEqualTo("FAULT \"alice\" BANDWIDTH 65536");
  }

  @Test
  void failStatementsByLikePattern() {
    assertThat(ConsoleCommands.addFault("alice", Fault.failStatements("insert into invoices%", "40001")))
        .isEqualTo("FAULT \"alice\" FAIL STATEMENTS LIKE 'insert into invoices%' SQLSTATE '40001'");
    assertThat(
            ConsoleCommands.addFault(
                "alice",
                Fault.failStatements("update t set a = 'x'%", "40P01").withMessage("it's a deadlock").times(2)))
        .isEqualTo(
            "FAULT \"alice\" FAIL STATEMENTS LIKE 'update t set a = ''x''%' SQLSTATE '40P01'"
                + " MESSAGE 'it''s a deadlock' TIMES 2");
  }

  @Test
  void failStatementsByRegexKeepsItsFlagsInline() {
    assertThat(ConsoleCommands.addFault("alice", Fault.failStatements(Pattern.compile("select \\d+"), "57014")))
        .isEqualTo("FAULT \"alice\" FAIL STATEMENTS MATCHING 'select \\d+' SQLSTATE '57014'");
    Pattern flagged = Pattern.compile("select.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    assertThat(ConsoleCommands.addFault("alice", Fault.failStatements(flagged, "57014").times(1)))
        .isEqualTo("FAULT \"alice\" FAIL STATEMENTS MATCHING '(?is)select.*' SQLSTATE '57014' TIMES 1");
    assertThat(Pattern.compile(ConsoleCommands.regex(flagged)).matcher("SELECT\n1").matches()).isTrue();
    assertThatThrownBy(
            () -> ConsoleCommands.addFault(
                "alice", Fault.failStatements(Pattern.compile("a.b", Pattern.LITERAL), "57014")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LITERAL or CANON_EQ");
  }

  @Test
  void terminateSessionsEveryForm() {
    assertThat(ConsoleCommands.addFault("alice", Fault.terminateSessions()))
        .isEqualTo("FAULT \"alice\" TERMINATE SESSIONS");
    assertThat(ConsoleCommands.addFault("alice", Fault.terminateSessions().afterStatements(3)))
        .isEqualTo("FAULT \"alice\" TERMINATE SESSIONS AFTER 3 STATEMENTS");
    assertThat(ConsoleCommands.addFault("alice", Fault.terminateSessions().byCuttingConnections()))
        .isEqualTo("FAULT \"alice\" TERMINATE SESSIONS CUT");
    assertThat(
            ConsoleCommands.addFault(
                "alice", Fault.terminateSessions().afterStatements(1).byCuttingConnections()))
        .isEqualTo("FAULT \"alice\" TERMINATE SESSIONS AFTER 1 STATEMENTS CUT");
  }

  @Test
  void dropAfterCommit() {
    assertThat(ConsoleCommands.addFault("alice", Fault.dropAfterCommit()))
        .isEqualTo("FAULT \"alice\" DROP AFTER COMMIT TIMES 1");
    assertThat(ConsoleCommands.addFault("alice", Fault.dropAfterCommit().times(4)))
        .isEqualTo("FAULT \"alice\" DROP AFTER COMMIT TIMES 4");
  }

  @Test
  void stall() {
    assertThat(ConsoleCommands.addFault("alice", Fault.stall())).isEqualTo("FAULT \"alice\" STALL");
  }

  @Test
  void userNamesAreQuotedIdentifiers() {
    assertThat(ConsoleCommands.addFault("Bob \"the\" Tenant", Fault.stall()))
        .isEqualTo("FAULT \"Bob \"\"the\"\" Tenant\" STALL");
    assertThat(ConsoleCommands.dropRoute("Alice")).isEqualTo("DROP ROUTE \"Alice\"");
    assertThat(ConsoleCommands.showStatements("alice")).isEqualTo("SHOW STATEMENTS \"alice\"");
    assertThatThrownBy(() -> ConsoleCommands.dropRoute(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pgmux: user \"\" is empty or contains NUL");
  }

  @Test
  void routesAndFaultIds() {
    assertThat(ConsoleCommands.setRoute("alice", "test@acme-db:5432/test"))
        .isEqualTo("SET ROUTE \"alice\" = 'test@acme-db:5432/test'");
    assertThat(ConsoleCommands.dropFault(7)).isEqualTo("DROP FAULT 7");
  }
}
