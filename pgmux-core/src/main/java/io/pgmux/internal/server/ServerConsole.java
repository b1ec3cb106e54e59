package io.pgmux.internal.server;

import io.pgmux.ProxyStats;
import io.pgmux.Router;
import io.pgmux.SessionInfo;
import io.pgmux.StaticRouter;
import io.pgmux.internal.console.ConsoleControl;
import io.pgmux.internal.console.ConsoleError;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.StatementLog;
import io.pgmux.internal.proxy.ProxyEngine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * What the admin console may see and do in one running proxy: its router's routes, its engine's
 * sessions and counters, the journal, the faults, and the routes file the command line watches.
 * The engine is attached once it runs; before that the console sees no sessions.
 */
final class ServerConsole implements ConsoleControl {
  private static final ProxyStats NONE = new ProxyStats(0, 0, 0, 0, 0, 0, 0);

  private final Router router;
  private final StatementLog journal;
  private final FaultRegistry faults;
  /** Re-reads the routes file and describes the routes in force; null without one. */
  private final Supplier<String> reload;
  private volatile ProxyEngine engine;

  ServerConsole(Router router, StatementLog journal, FaultRegistry faults, Supplier<String> reload) {
    this.router = router;
    this.journal = journal;
    this.faults = faults;
    this.reload = reload;
  }

  void attach(ProxyEngine engine) {
    this.engine = engine;
  }

  @Override
  public StaticRouter routes() {
    return router instanceof StaticRouter s ? s : null;
  }

  @Override
  public String routerName() {
    return router.getClass().getName();
  }

  @Override
  public List<SessionInfo> sessions() {
    ProxyEngine running = engine;
    return running == null ? List.of() : running.sessions();
  }

  @Override
  public ProxyStats stats() {
    ProxyEngine running = engine;
    return running == null ? NONE : running.stats();
  }

  @Override
  public StatementLog journal() {
    return journal;
  }

  @Override
  public FaultRegistry faults() {
    return faults;
  }

  @Override
  public CompletionStage<String> reload() {
    if (reload == null) {
      return CompletableFuture.failedFuture(
          new ConsoleError("55000", "pgmux: no routes file to reload"));
    }
    // Reading the file may block: off the event loop, on the common pool.
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return reload.get();
          } catch (IllegalArgumentException e) {
            throw new ConsoleError("22023", "pgmux: " + e.getMessage());
          }
        });
  }
}
