package io.pgmux.internal.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.Fault;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CommandParserTest {

  private static Command parse(String text) {
    return CommandParser.parse(text);
  }

  private static void fails(String text, String sqlState, String message) {
    assertThatThrownBy(() -> parse(text))
        .isInstanceOfSatisfying(ConsoleError.class, e -> {
          assertThat(e.sqlState()).as(text).isEqualTo(sqlState);
          assertThat(e.getMessage()).as(text).isEqualTo(message);
        });
  }

  @Test
  void showsInAnyCase() {
    assertThat(parse("SHOW HELP")).isEqualTo(new Command.ShowHelp());
    assertThat(parse("show routes")).isEqualTo(new Command.ShowRoutes());
    assertThat(parse("Show Sessions")).isEqualTo(new Command.ShowSessions());
    assertThat(parse("  SHOW\n\tSTATS  ")).isEqualTo(new Command.ShowStats());
    assertThat(parse("SHOW STATEMENTS")).isEqualTo(new Command.ShowStatements(null));
    assertThat(parse("SHOW STATEMENTS Alice")).isEqualTo(new Command.ShowStatements("alice"));
    assertThat(parse("SHOW STATEMENTS \"Alice\"")).isEqualTo(new Command.ShowStatements("Alice"));
    assertThat(parse("SHOW FAULTS")).isEqualTo(new Command.ShowFaults());
    assertThat(parse("CLEAR STATEMENTS")).isEqualTo(new Command.ClearStatements());
    assertThat(parse("SHOW server_version")).isEqualTo(new Command.ShowParameter("server_version"));
    assertThat(parse("SHOW DateStyle")).isEqualTo(new Command.ShowParameter("datestyle"));
    assertThat(parse("show \"TimeZone\"")).isEqualTo(new Command.ShowParameter("timezone"));
  }

  @Test
  void routes() {
    assertThat(parse("SET ROUTE alice = 'db:5432'")).isEqualTo(new Command.SetRoute("alice", "db:5432"));
    assertThat(parse("set route \"Bob Smith\"='u@db:5433/app?sslmode=require'"))
        .isEqualTo(new Command.SetRoute("Bob Smith", "u@db:5433/app?sslmode=require"));
    assertThat(parse("SET ROUTE * = 'db:5432'")).isEqualTo(new Command.SetRoute("*", "db:5432"));
    assertThat(parse("SET ROUTE x = 'it''s'")).isEqualTo(new Command.SetRoute("x", "it's"));
    assertThat(parse("DROP ROUTE alice")).isEqualTo(new Command.DropRoute("alice"));
    assertThat(parse("drop route \"a\"\"b\"")).isEqualTo(new Command.DropRoute("a\"b"));
    assertThat(parse("RELOAD")).isEqualTo(new Command.Reload());
  }

  @Test
  void sessions() {
    assertThat(parse("PAUSE alice")).isEqualTo(new Command.Pause("alice"));
    assertThat(parse("RESUME alice")).isEqualTo(new Command.Resume("alice"));
    assertThat(parse("KILL alice")).isEqualTo(new Command.Kill("alice"));
  }

  @Test
  void faults() {
    assertThat(parse("FAULT alice REFUSE LOGINS SQLSTATE '53300'"))
        .isEqualTo(new Command.AddFault("alice",
            Fault.refuseLogins("53300", "pgmux: injected fault (SQLSTATE 53300)")));
    assertThat(parse("FAULT alice REFUSE LOGINS SQLSTATE '57P03' MESSAGE 'starting up'"))
        .isEqualTo(new Command.AddFault("alice", Fault.refuseLogins("57P03", "starting up")));
    assertThat(parse("FAULT alice LATENCY '150ms'"))
        .isEqualTo(new Command.AddFault("alice", Fault.latency(Duration.ofMillis(150))));
    assertThat(parse("fault alice latency '2s' jitter '500us'"))
        .isEqualTo(new Command.AddFault("alice",
            Fault.latency(Duration.ofSeconds(2)).withJitter(Duration.ofNanos(500_000))));
    assertThat(parse("FAULT alice BANDWIDTH 1000"))
        .isEqualTo(new Command.AddFault("alice", Fault.bandwidth(1000)));
    assertThat(parse("FAULT alice FAIL STATEMENTS LIKE 'insert%' SQLSTATE '40001' TIMES 1"))
        .isEqualTo(new Command.AddFault("alice", Fault.failStatements("insert%", "40001").times(1)));
    assertThat(parse("FAULT alice FAIL STATEMENTS LIKE 'x' SQLSTATE '40001' TIMES 2 MESSAGE 'm'"))
        .isEqualTo(new Command.AddFault("alice",
            Fault.failStatements("x", "40001").times(2).withMessage("m")));
    Command regex = parse("FAULT alice FAIL STATEMENTS MATCHING 'sel.*' SQLSTATE '40P01'");
    assertThat(((Fault.FailStatements) ((Command.AddFault) regex).fault()).regex().pattern())
        .isEqualTo("sel.*");
    assertThat(parse("FAULT alice TERMINATE SESSIONS"))
        .isEqualTo(new Command.AddFault("alice", Fault.terminateSessions()));
    assertThat(parse("FAULT alice TERMINATE SESSIONS AFTER 3 STATEMENTS CUT"))
        .isEqualTo(new Command.AddFault("alice",
            Fault.terminateSessions().afterStatements(3).byCuttingConnections()));
    assertThat(parse("FAULT alice DROP AFTER COMMIT TIMES 2"))
        .isEqualTo(new Command.AddFault("alice", Fault.dropAfterCommit().times(2)));
    assertThat(parse("FAULT alice STALL")).isEqualTo(new Command.AddFault("alice", Fault.stall()));
    assertThat(parse("DROP FAULT 7")).isEqualTo(new Command.DropFault(7));
    assertThat(parse("CLEAR FAULTS")).isEqualTo(new Command.ClearFaults(null));
    assertThat(parse("CLEAR FAULTS bob")).isEqualTo(new Command.ClearFaults("bob"));
  }

  @Test
  void sessionChatterIsANoOp() {
    assertThat(parse("SET extra_float_digits = 3")).isEqualTo(new Command.NoOp("SET"));
    assertThat(parse("SET SESSION application_name TO 'x'")).isEqualTo(new Command.NoOp("SET"));
    assertThat(parse("SET route = 'x'")).isEqualTo(new Command.NoOp("SET"));
    assertThat(parse("RESET ALL")).isEqualTo(new Command.NoOp("RESET"));
    assertThat(parse("BEGIN")).isEqualTo(new Command.NoOp("BEGIN"));
    assertThat(parse("commit")).isEqualTo(new Command.NoOp("COMMIT"));
    assertThat(parse("ROLLBACK")).isEqualTo(new Command.NoOp("ROLLBACK"));
  }

  @Test
  void errorsNameWhereAndWhy() {
    fails("SHOW ROUTS", "42704", "pgmux: unrecognized configuration parameter \"routs\"");
    fails("FROB", "42601", "pgmux: syntax error at or near \"FROB\"");
    fails("SHOW ROUTES now", "42601", "pgmux: syntax error at or near \"now\"");
    fails("DROP FAULT x", "42601", "pgmux: syntax error at or near \"x\"");
    fails("PAUSE", "42601", "pgmux: syntax error at end of input");
    fails("SET ROUTE alice 'db:1'", "42601", "pgmux: syntax error at or near \"'db:1'\"");
    fails("SET ROUTE alice = 'db:1", "42601",
        "pgmux: unterminated quoted string at or near \"'db:1\"");
    fails("SELECT 1", "0A000", "pgmux: the admin console does not run SQL; try SHOW HELP");
    fails("FAULT alice LATENCY '3 days'", "22023",
        "pgmux: duration \"3 days\" is not a whole number with a unit: us, ms, s, min or h");
    fails("FAULT alice FAIL STATEMENTS LIKE 'x' SQLSTATE '4000'", "22023",
        "pgmux: " + catchMessage(() -> Fault.failStatements("x", "4000")));
    fails("FAULT alice BANDWIDTH 0", "22023", "pgmux: bandwidth 0 bytes/s is below 1");
    fails("FAULT alice FAIL STATEMENTS MATCHING '(' SQLSTATE '40001'", "22023",
        "pgmux: " + catchMessage(() -> java.util.regex.Pattern.compile("(", java.util.regex.Pattern.DOTALL)));
    assertThatThrownBy(() -> parse("FROB")).isInstanceOfSatisfying(ConsoleError.class,
        e -> assertThat(e.hint()).isEqualTo("try SHOW HELP"));
  }

  private static String catchMessage(Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("no exception");
  }
}
