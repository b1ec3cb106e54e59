package io.pgmux.internal.console;

import io.pgmux.Fault;
import io.pgmux.internal.console.Tokens.Kind;
import io.pgmux.internal.console.Tokens.Token;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one admin console command (the text of one statement, without its semicolon). Keywords
 * are case-insensitive; user names are words (folded to lower case, as PostgreSQL folds
 * identifiers) or {@code "quoted"}; values are {@code 'quoted'}. Stateless and thread-safe.
 */
public final class CommandParser {
  /** The parameters the console reports at login, which {@code SHOW name} reads. */
  static final Set<String> PARAMETERS =
      Set.of("server_version", "server_encoding", "client_encoding", "datestyle",
          "integer_datetimes", "standard_conforming_strings", "timezone", "application_name");

  /** Words that start SQL statements, which the console does not run. */
  private static final Set<String> SQL =
      Set.of("select", "with", "values", "table", "insert", "update", "delete", "merge", "create",
          "alter", "copy", "explain", "do", "call", "grant", "revoke", "truncate", "vacuum",
          "analyze", "prepare", "execute", "declare", "fetch", "listen", "notify", "lock");

  private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(us|ms|s|min|h)\\s*");

  private CommandParser() {}

  /**
   * Parses {@code statement}.
   *
   * @throws ConsoleError 42601 for bad syntax, 0A000 for SQL, 22023 for a bad value, 42704 for an
   *     unknown parameter
   */
  public static Command parse(String statement) {
    Tokens in = Tokens.of(statement);
    Command command = command(in);
    if (!in.atEnd()) {
      throw in.unexpected();
    }
    return command;
  }

  private static Command command(Tokens in) {
    Token first = in.take();
    if (first.kind() != Kind.WORD) {
      throw ConsoleError.syntax(first.raw());
    }
    switch (first.text()) {
      case "show":
        return show(in);
      case "clear":
        if (in.accept("statements")) {
          return new Command.ClearStatements();
        }
        in.expect("faults");
        return new Command.ClearFaults(in.atEnd() ? null : user(in));
      case "set":
        return set(in);
      case "reset":
        skipRest(in);
        return new Command.NoOp("RESET");
      case "begin":
      case "start":
        skipRest(in);
        return new Command.NoOp(first.text().equals("begin") ? "BEGIN" : "START TRANSACTION");
      case "commit":
      case "end":
        skipRest(in);
        return new Command.NoOp("COMMIT");
      case "rollback":
      case "abort":
        skipRest(in);
        return new Command.NoOp("ROLLBACK");
      case "drop":
        if (in.accept("route")) {
          return new Command.DropRoute(user(in));
        }
        in.expect("fault");
        return new Command.DropFault(number(in));
      case "pause":
        return new Command.Pause(user(in));
      case "resume":
        return new Command.Resume(user(in));
      case "kill":
        return new Command.Kill(user(in));
      case "fault":
        return fault(in);
      case "reload":
        return new Command.Reload();
      default:
        if (SQL.contains(first.text())) {
          throw new ConsoleError(
              "0A000", "pgmux: the admin console does not run SQL; try SHOW HELP");
        }
        throw ConsoleError.syntax(first.raw());
    }
  }

  private static Command show(Tokens in) {
    Token what = in.take();
    if (what.kind() != Kind.WORD && what.kind() != Kind.QUOTED) {
      throw ConsoleError.syntax(what.raw());
    }
    if (what.kind() == Kind.WORD) {
      switch (what.text()) {
        case "help":
          return new Command.ShowHelp();
        case "routes":
          return new Command.ShowRoutes();
        case "sessions":
          return new Command.ShowSessions();
        case "stats":
          return new Command.ShowStats();
        case "statements":
          return new Command.ShowStatements(in.atEnd() ? null : user(in));
        case "faults":
          return new Command.ShowFaults();
        default:
      }
    }
    String name = what.text().toLowerCase(Locale.ROOT);
    if (!PARAMETERS.contains(name)) {
      throw new ConsoleError(
          "42704", "pgmux: unrecognized configuration parameter \"" + what.text() + "\"",
          "try SHOW HELP");
    }
    return new Command.ShowParameter(name);
  }

  private static Command set(Tokens in) {
    Token after = in.peek();
    if (in.accept("route")) {
      Token next = in.peek();
      boolean parameter = next == null
          || (next.kind() == Kind.SYMBOL && next.text().equals("="))
          || (next.kind() == Kind.WORD && next.text().equals("to"));
      if (!parameter) {
        String user = in.acceptSymbol('*') ? "*" : user(in);
        if (!in.acceptSymbol('=')) {
          throw in.unexpected();
        }
        return new Command.SetRoute(user, string(in));
      }
    }
    if (after == null) {
      throw in.unexpected();
    }
    skipRest(in); // SET [SESSION | LOCAL] name {= | TO} value: session chatter, changes nothing
    return new Command.NoOp("SET");
  }

  private static Command fault(Tokens in) {
    String user = user(in);
    try {
      if (in.accept("refuse")) {
        in.expect("logins");
        in.expect("sqlstate");
        String sqlState = string(in);
        String message =
            in.accept("message") ? string(in) : "pgmux: injected fault (SQLSTATE " + sqlState + ")";
        return new Command.AddFault(user, Fault.refuseLogins(sqlState, message));
      }
      if (in.accept("latency")) {
        Fault.Latency latency = Fault.latency(duration(string(in)));
        if (in.accept("jitter")) {
          latency = latency.withJitter(duration(string(in)));
        }
        return new Command.AddFault(user, latency);
      }
      if (in.accept("bandwidth")) {
        return new Command.AddFault(user, Fault.bandwidth(number(in)));
      }
      if (in.accept("fail")) {
        return new Command.AddFault(user, failStatements(in));
      }
      if (in.accept("terminate")) {
        in.expect("sessions");
        Fault.TerminateSessions terminate = Fault.terminateSessions();
        if (in.accept("after")) {
          terminate = terminate.afterStatements(count(in));
          in.expect("statements");
        }
        if (in.accept("cut")) {
          terminate = terminate.byCuttingConnections();
        }
        return new Command.AddFault(user, terminate);
      }
      if (in.accept("drop")) {
        in.expect("after");
        in.expect("commit");
        Fault.DropAfterCommit drop = Fault.dropAfterCommit();
        if (in.accept("times")) {
          drop = drop.times(count(in));
        }
        return new Command.AddFault(user, drop);
      }
      if (in.accept("stall")) {
        return new Command.AddFault(user, Fault.stall());
      }
    } catch (IllegalArgumentException e) {
      throw ConsoleError.invalid(e.getMessage());
    }
    throw in.unexpected();
  }

  private static Fault.FailStatements failStatements(Tokens in) {
    in.expect("statements");
    boolean like = in.accept("like");
    if (!like) {
      in.expect("matching");
    }
    String pattern = string(in);
    in.expect("sqlstate");
    String sqlState = string(in);
    Fault.FailStatements fail =
        like
            ? Fault.failStatements(pattern, sqlState)
            : Fault.failStatements(Pattern.compile(pattern, Pattern.DOTALL), sqlState);
    boolean message = false;
    boolean times = false;
    while (true) {
      if (!message && in.accept("message")) {
        fail = fail.withMessage(string(in));
        message = true;
      } else if (!times && in.accept("times")) {
        fail = fail.times(count(in));
        times = true;
      } else {
        return fail;
      }
    }
  }

  /** A user name: a word, folded, or a quoted identifier. */
  private static String user(Tokens in) {
    Token t = in.take();
    if (t.kind() == Kind.WORD || (t.kind() == Kind.QUOTED && !t.text().isEmpty())) {
      return t.text();
    }
    throw ConsoleError.syntax(t.raw());
  }

  private static String string(Tokens in) {
    Token t = in.take();
    if (t.kind() != Kind.STRING) {
      throw ConsoleError.syntax(t.raw());
    }
    return t.text();
  }

  private static long number(Tokens in) {
    Token t = in.take();
    if (t.kind() != Kind.NUMBER) {
      throw ConsoleError.syntax(t.raw());
    }
    try {
      return Long.parseLong(t.text());
    } catch (NumberFormatException e) {
      throw ConsoleError.invalid("\"" + t.raw() + "\" is not a whole number");
    }
  }

  private static int count(Tokens in) {
    long n = number(in);
    if (n > Integer.MAX_VALUE) {
      throw ConsoleError.invalid(n + " is too large");
    }
    return (int) n;
  }

  /** Reads {@code 150ms}, {@code 2s}, {@code 500us}, {@code 1min}, {@code 1h}. */
  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw ConsoleError.invalid(
          "duration \"" + text + "\" is not a whole number with a unit: us, ms, s, min or h");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw ConsoleError.invalid("duration \"" + text + "\" is too long");
    }
    return switch (m.group(2)) {
      case "us" -> Duration.ofNanos(n * 1000);
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "min" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static void skipRest(Tokens in) {
    while (!in.atEnd()) {
      in.take();
    }
  }
}
