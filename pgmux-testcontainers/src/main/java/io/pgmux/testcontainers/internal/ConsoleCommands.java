package io.pgmux.testcontainers.internal;

import io.pgmux.Fault;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The text of the admin console's commands (CONSOLE.md in the pgMux repository): how a {@link
 * Fault} or a route is written as a command. The console's grammar lives here and nowhere else in
 * this module.
 */
public final class ConsoleCommands {
  private ConsoleCommands() {}

  /** {@code SET ROUTE "user" = 'target'}, the target in the CLI's route syntax. */
  public static String setRoute(String user, String target) {
    return "SET ROUTE " + identifier(user) + " = " + literal(target);
  }

  /** {@code DROP ROUTE "user"}. */
  public static String dropRoute(String user) {
    return "DROP ROUTE " + identifier(user);
  }

  /** {@code SHOW STATEMENTS "user"}. */
  public static String showStatements(String user) {
    return "SHOW STATEMENTS " + identifier(user);
  }

  /** {@code DROP FAULT id}. */
  public static String dropFault(long id) {
    return "DROP FAULT " + id;
  }

  /**
   * {@code FAULT "user" ...}: the command that adds {@code fault} to {@code user}'s route.
   *
   * @throws IllegalArgumentException if the fault cannot be written: a latency finer than a
   *     microsecond, or a regex with flags that have no inline form ({@code LITERAL}, {@code
   *     CANON_EQ})
   */
  public static String addFault(String user, Fault fault) {
    Objects.requireNonNull(fault, "fault");
    StringBuilder out = new StringBuilder("FAULT ").append(identifier(user)).append(' ');
    if (fault instanceof Fault.RefuseLogins r) {
      out.append("REFUSE LOGINS SQLSTATE ").append(literal(r.sqlState()))
          .append(" MESSAGE ").append(literal(r.message()));
    } else if (fault instanceof Fault.Latency l) {
      out.append("LATENCY ").append(literal(duration(l.delay())));
      if (!l.jitter().isZero()) {
        out.append(" JITTER ").append(literal(duration(l.jitter())));
      }
    } else if (fault instanceof Fault.Bandwidth b) {
      out.append("BANDWIDTH ").append(b.bytesPerSecond());
    } else if (fault instanceof Fault.FailStatements f) {
      out.append("FAIL STATEMENTS ");
      if (f.likePattern() != null) {
        out.append("LIKE ").append(literal(f.likePattern()));
      } else {
        out.append("MATCHING ").append(literal(regex(f.regex())));
      }
      out.append(" SQLSTATE ").append(literal(f.sqlState()));
      if (f.message() != null) {
        out.append(" MESSAGE ").append(literal(f.message()));
      }
      if (f.times() != Fault.FailStatements.UNLIMITED) {
        out.append(" TIMES ").append(f.times());
      }
    } else if (fault instanceof Fault.TerminateSessions t) {
      out.append("TERMINATE SESSIONS");
      if (t.afterStatements() > 0) {
        out.append(" AFTER ").append(t.afterStatements()).append(" STATEMENTS");
      }
      if (t.cut()) {
        out.append(" CUT");
      }
    } else if (fault instanceof Fault.DropAfterCommit d) {
      out.append("DROP AFTER COMMIT TIMES ").append(d.times());
    } else if (fault instanceof Fault.Stall) {
      out.append("STALL");
    } else {
      // Fault is sealed: a new kind must be added here, and this keeps the compiler's word.
      throw new IllegalArgumentException("pgmux: the admin console has no command for " + fault);
    }
    return out.toString();
  }

  /** A duration as the console reads it: whole seconds, milliseconds or microseconds. */
  static String duration(Duration d) {
    if (d.getNano() % 1_000 != 0) {
      throw new IllegalArgumentException(
          "pgmux: duration " + d + " is finer than a microsecond, the admin console's unit");
    }
    long micros = d.getSeconds() * 1_000_000 + d.getNano() / 1_000;
    if (micros % 1_000_000 == 0) {
      return micros / 1_000_000 + "s";
    }
    if (micros % 1_000 == 0) {
      return micros / 1_000 + "ms";
    }
    return micros + "us";
  }

  /** The regex with its flags written inline, since the command carries only the text. */
  static String regex(Pattern pattern) {
    int flags = pattern.flags();
    if ((flags & (Pattern.LITERAL | Pattern.CANON_EQ)) != 0) {
      throw new IllegalArgumentException(
          "pgmux: regex /" + pattern + "/ has LITERAL or CANON_EQ, flags with no inline form;"
              + " quote it with Pattern.quote instead");
    }
    StringBuilder inline = new StringBuilder();
    appendFlag(inline, flags, Pattern.UNIX_LINES, 'd');
    appendFlag(inline, flags, Pattern.CASE_INSENSITIVE, 'i');
    appendFlag(inline, flags, Pattern.COMMENTS, 'x');
    appendFlag(inline, flags, Pattern.MULTILINE, 'm');
    appendFlag(inline, flags, Pattern.DOTALL, 's');
    appendFlag(inline, flags, Pattern.UNICODE_CASE, 'u');
    appendFlag(inline, flags, Pattern.UNICODE_CHARACTER_CLASS, 'U');
    return inline.isEmpty() ? pattern.pattern() : "(?" + inline + ")" + pattern.pattern();
  }

  private static void appendFlag(StringBuilder out, int flags, int flag, char letter) {
    if ((flags & flag) != 0) {
      out.append(letter);
    }
  }

  /** A user name as a quoted identifier, so any name (upper case, spaces, quotes) survives. */
  static String identifier(String name) {
    Objects.requireNonNull(name, "user");
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("pgmux: user \"" + name + "\" is empty or contains NUL");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** A string literal; the console has standard_conforming_strings on, so only ' is doubled. */
  static String literal(String text) {
    Objects.requireNonNull(text, "text");
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("pgmux: text contains NUL: " + text);
    }
    return '\'' + text.replace("'", "''") + '\'';
  }
}
