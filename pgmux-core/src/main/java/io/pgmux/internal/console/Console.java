package io.pgmux.internal.console;

import io.pgmux.BackendConfig;
import io.pgmux.Fault;
import io.pgmux.StaticRouter;
import io.pgmux.internal.inspect.ActiveFault;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.StatementLog;
import io.pgmux.internal.route.Routes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs the admin console's commands against the proxy through its {@link ConsoleControl}. Every
 * command but {@code RELOAD} is answered before {@link #run} returns; {@code RELOAD}'s stage
 * completes once the routes file was read off the caller's thread. Thread-safe.
 */
public final class Console {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private final ConsoleControl control;

  public Console(ConsoleControl control) {
    this.control = control;
  }

  /**
   * Runs {@code command}.
   *
   * @param parameters the session's parameters as reported at login, by lower-case name, for
   *     {@code SHOW name}
   * @return the answer; failed with a {@link ConsoleError} when the command cannot run
   */
  public CompletionStage<Result> run(Command command, Map<String, String> parameters) {
    if (command instanceof Command.Reload) {
      return control.reload().thenApply(routes -> Result.tag("RELOAD"));
    }
    try {
      return CompletableFuture.completedFuture(now(command, parameters));
    } catch (ConsoleError e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Result now(Command command, Map<String, String> parameters) {
    FaultRegistry faults = control.faults();
    if (command instanceof Command.ShowHelp) {
      return Reports.help();
    } else if (command instanceof Command.ShowRoutes) {
      StaticRouter router = routes();
      return Reports.routes(router.routes(), router.fallback());
    } else if (command instanceof Command.ShowSessions) {
      return Reports.sessions(control.sessions(), faults);
    } else if (command instanceof Command.ShowStats) {
      return Reports.stats(control.stats(), control.journal());
    } else if (command instanceof Command.ShowStatements show) {
      return Reports.statements(journal(), show.user());
    } else if (command instanceof Command.ClearStatements) {
      journal().clear();
      return Result.tag("CLEAR");
    } else if (command instanceof Command.ShowFaults) {
      return Reports.faults(faults.listed());
    } else if (command instanceof Command.SetRoute set) {
      return setRoute(set);
    } else if (command instanceof Command.DropRoute drop) {
      if (routes().remove(drop.user()) == null) {
        throw new ConsoleError("42704", "pgmux: user \"" + drop.user() + "\" has no route");
      }
      LOG.log(System.Logger.Level.INFO, "pgmux: console dropped the route of \"{0}\"", drop.user());
      return Result.tag("DROP ROUTE");
    } else if (command instanceof Command.Pause pause) {
      faults.pause(pause.user());
      return Result.tag("PAUSE");
    } else if (command instanceof Command.Resume resume) {
      faults.resume(resume.user());
      return Result.tag("RESUME");
    } else if (command instanceof Command.Kill kill) {
      // As pg_terminate_backend: each live session of the user gets FATAL 57P01.
      return Result.tag("KILL " + faults.add(kill.user(), Fault.terminateSessions()).fired());
    } else if (command instanceof Command.AddFault add) {
      ActiveFault f = faults.add(add.user(), add.fault());
      // SHOW FAULTS' columns: a TERMINATE SESSIONS without AFTER has acted by now and is never
      // listed, so its fired count (sessions ended) is only known here.
      Result row = Reports.faults(List.of(f));
      return new Result(row.columns(), row.rows(), "FAULT");
    } else if (command instanceof Command.DropFault drop) {
      ActiveFault f = faults.byId(drop.id());
      if (f == null) {
        throw new ConsoleError("42704", "pgmux: fault " + drop.id() + " does not exist");
      }
      faults.remove(f);
      return Result.tag("DROP FAULT");
    } else if (command instanceof Command.ClearFaults clear) {
      int n = 0;
      for (ActiveFault f : faults.listed()) {
        if (clear.user() == null || clear.user().equals(f.user())) {
          faults.remove(f);
          n++;
        }
      }
      return Result.tag("CLEAR FAULTS " + n);
    } else if (command instanceof Command.ShowParameter show) {
      return Result.rows(
          List.of(Reports.text(show.name())), List.of(List.of(parameters.getOrDefault(show.name(), ""))));
    } else if (command instanceof Command.NoOp noOp) {
      return Result.tag(noOp.tag());
    }
    throw new IllegalStateException("unhandled command " + command);
  }

  private Result setRoute(Command.SetRoute set) {
    StaticRouter router = routes();
    BackendConfig backend;
    try {
      backend = Routes.target(set.user(), set.target());
    } catch (IllegalArgumentException e) {
      throw ConsoleError.invalid(e.getMessage());
    }
    if (set.user().equals(Routes.FALLBACK_USER)) {
      router.withFallback(backend);
    } else {
      router.put(set.user(), backend);
    }
    LOG.log(System.Logger.Level.INFO, "pgmux: console set the route of \"{0}\" to {1}", set.user(),
        backend.address());
    return Result.tag("SET ROUTE");
  }

  private StaticRouter routes() {
    StaticRouter router = control.routes();
    if (router == null) {
      throw new ConsoleError("0A000", "pgmux: routes are fixed: the router is " + control.routerName());
    }
    return router;
  }

  private StatementLog journal() {
    StatementLog journal = control.journal();
    if (journal == null) {
      throw new ConsoleError("55000", "pgmux: the statement journal is off (start with --journal)");
    }
    return journal;
  }
}
