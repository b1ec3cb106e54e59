package io.pgmux.internal.console;

import io.pgmux.Fault;

/** One admin console command, as {@link CommandParser} reads it. User names are as the client logs in. */
public sealed interface Command {
  /** {@code SHOW HELP}. */
  record ShowHelp() implements Command {}

  /** {@code SHOW ROUTES}. */
  record ShowRoutes() implements Command {}

  /** {@code SHOW SESSIONS}. */
  record ShowSessions() implements Command {}

  /** {@code SHOW STATS}. */
  record ShowStats() implements Command {}

  /** {@code SHOW STATEMENTS [user]}; {@code user} null for everyone's. */
  record ShowStatements(String user) implements Command {}

  /** {@code CLEAR STATEMENTS}. */
  record ClearStatements() implements Command {}

  /** {@code SHOW FAULTS}. */
  record ShowFaults() implements Command {}

  /** {@code SET ROUTE user = 'target'}; user {@code *} is the fallback. */
  record SetRoute(String user, String target) implements Command {}

  /** {@code DROP ROUTE user}. */
  record DropRoute(String user) implements Command {}

  /** {@code PAUSE user}. */
  record Pause(String user) implements Command {}

  /** {@code RESUME user}. */
  record Resume(String user) implements Command {}

  /** {@code KILL user}. */
  record Kill(String user) implements Command {}

  /** {@code FAULT user ...}. */
  record AddFault(String user, Fault fault) implements Command {}

  /** {@code DROP FAULT id}. */
  record DropFault(long id) implements Command {}

  /** {@code CLEAR FAULTS [user]}; {@code user} null for everyone's. */
  record ClearFaults(String user) implements Command {}

  /** {@code RELOAD}. */
  record Reload() implements Command {}

  /** {@code SHOW name} of a parameter the console reported at login. */
  record ShowParameter(String name) implements Command {}

  /** Session chatter that changes nothing ({@code SET}, {@code RESET}, {@code BEGIN}...): its tag. */
  record NoOp(String tag) implements Command {}
}
