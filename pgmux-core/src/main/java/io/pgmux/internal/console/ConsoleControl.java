package io.pgmux.internal.console;

import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.StaticRouter;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.StatementLog;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What the admin console may see and do in the running proxy. The console calls it and nothing
 * here calls the console or its session back. Implementations are thread-safe; every method but
 * {@link #reload()} returns at once, without blocking.
 */
public interface ConsoleControl {
  /** Returns the router's routes to read and change, or null when the router is of another kind. */
  StaticRouter routes();

  /** Names the router, for the error when its routes are fixed. */
  String routerName();

  /** Returns the sessions connected to a backend now, oldest first. */
  List<SessionInfo> sessions();

  ProxyStats stats();

  /** Returns the statement journal, or null when it is off. */
  StatementLog journal();

  /** Returns the faults on users' routes, which also pause and kill sessions. */
  FaultRegistry faults();

  /**
   * Re-reads the routes file off the caller's thread. The stage completes with a description of
   * the routes now in force, or exceptionally with a {@link ConsoleError}: 55000 without a routes
   * file, 22023 for a bad one (whose routes are then not applied).
   */
  CompletionStage<String> reload();
}
