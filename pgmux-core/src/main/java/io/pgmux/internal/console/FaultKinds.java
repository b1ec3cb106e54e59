package io.pgmux.internal.console;

import io.pgmux.Fault;

/** How the console names the kinds of {@link Fault}. */
final class FaultKinds {
  private FaultKinds() {}

  static String kind(Fault fault) {
    if (fault instanceof Fault.RefuseLogins) {
      return "refuse_logins";
    } else if (fault instanceof Fault.Latency) {
      return "latency";
    } else if (fault instanceof Fault.Bandwidth) {
      return "bandwidth";
    } else if (fault instanceof Fault.FailStatements) {
      return "fail_statements";
    } else if (fault instanceof Fault.TerminateSessions) {
      return "terminate_sessions";
    } else if (fault instanceof Fault.DropAfterCommit) {
      return "drop_after_commit";
    }
    return "stall";
  }
}
