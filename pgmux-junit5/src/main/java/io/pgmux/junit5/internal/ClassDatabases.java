package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import io.pgmux.junit5.Refresh;
import io.pgmux.junit5.internal.embedded.EmbeddedFleet;
import io.pgmux.junit5.internal.refresh.TemplateManager;
import io.pgmux.junit5.internal.refresh.TemplateSource;
import io.pgmux.junit5.internal.refresh.TenantDatabases;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The databases a test class's routes land on, cloned from templates and refreshed as {@link
 * Refresh} says. In embedded servers every routed database but the system ones is the class's;
 * in other backends only those with a template or a refresh mode are, cloned under unique names
 * that the routes rewrite to. Not thread-safe: used from one class's callbacks.
 */
final class ClassDatabases implements AutoCloseable {
  private static final Set<String> SYSTEM = Set.of("postgres", "template0", "template1");

  private final Refresh refresh;
  private final EmbeddedFleet fleet;
  /** By backend name. */
  private final Map<String, TenantDatabases> databases = new LinkedHashMap<>();
  /** Managers opened for this class alone (given backends), closed with it. */
  private final List<TemplateManager> owned = new ArrayList<>();
  /** The database each managed declared one is now, by backend, then declared name. */
  private final Map<String, Map<String, String>> names = new LinkedHashMap<>();

  private ClassDatabases(Refresh refresh, EmbeddedFleet fleet) {
    this.refresh = refresh;
    this.fleet = fleet;
  }

  /**
   * Prepares the templates and first clones of the routes' databases.
   *
   * @throws ExtensionConfigurationException if templates are declared for unknown users or twice
   *     for one database
   * @throws IllegalStateException if a template fails, with its message
   */
  static ClassDatabases create(
      Setup setup,
      Map<String, BackendConfig> backends,
      Map<String, String> passwords,
      EmbeddedFleet fleet,
      String owner,
      ClassLoader loader) {
    Set<String> users = new HashSet<>();
    setup.routes().forEach(route -> users.add(route.user()));
    for (String user : setup.templates().keySet()) {
      if (!users.contains(user)) {
        throw new ExtensionConfigurationException(
            "pgmux: a template is declared for user \"" + user + "\", but no route of " + owner
                + " has that user: fix the name, or add its route");
      }
    }
    ClassDatabases result = new ClassDatabases(setup.refresh(), fleet);
    try {
      Map<String, Map<String, TenantDatabases.Unit>> units = units(setup, backends, owner);
      Map<String, Callable<TenantDatabases>> tasks = new LinkedHashMap<>();
      units.forEach(
          (backend, byName) -> {
            boolean embedded = fleet != null && fleet.contains(backend);
            List<TenantDatabases.Unit> managed =
                byName.values().stream()
                    .filter(unit -> !SYSTEM.contains(unit.name()))
                    .filter(unit -> embedded || setup.refresh() != Refresh.NEVER || !unit.sources().isEmpty())
                    .toList();
            if (!managed.isEmpty()) {
              TemplateManager manager =
                  embedded ? fleet.templates(backend) : result.open(backend, backends.get(backend), passwords.get(backend));
              tasks.put(backend, () -> TenantDatabases.create(manager, embedded, managed, loader));
            }
          });
      Map<String, TenantDatabases> made = new LinkedHashMap<>();
      RuntimeException failure = inParallel(tasks, made);
      made.forEach(
          (backend, databases) -> {
            result.databases.put(backend, databases);
            result.names.put(backend, databases.names());
          });
      if (failure != null) {
        throw failure;
      }
      return result;
    } catch (RuntimeException | Error e) {
      result.close();
      throw e;
    }
  }

  /** Groups the routes by backend and database, each database with its owner and template. */
  private static Map<String, Map<String, TenantDatabases.Unit>> units(
      Setup setup, Map<String, BackendConfig> backends, String owner) {
    Map<String, Map<String, TenantDatabases.Unit>> units = new LinkedHashMap<>();
    for (RouteSpec route : setup.routes()) {
      BackendConfig base = backends.get(route.backend());
      if (base == null) {
        continue; // an instance field, read before each test: the user's to prepare
      }
      BackendConfig applied = route.applyTo(base);
      String user = applied.user() != null ? applied.user() : route.user();
      String database = applied.database() != null ? applied.database() : user;
      List<TemplateSource> sources = setup.templates().getOrDefault(route.user(), List.of());
      Map<String, TenantDatabases.Unit> byName = units.computeIfAbsent(route.backend(), b -> new LinkedHashMap<>());
      TenantDatabases.Unit unit = byName.get(database);
      if (unit == null) {
        byName.put(database, new TenantDatabases.Unit(database, user, List.of(), sources));
        continue;
      }
      if (!sources.isEmpty() && !unit.sources().isEmpty() && !sources.equals(unit.sources())) {
        throw new ExtensionConfigurationException(
            "pgmux: database \"" + database + "\" of backend \"" + route.backend() + "\" on " + owner
                + " has two templates, from the routes of two users: declare it on one of them");
      }
      List<String> others = new ArrayList<>(unit.others());
      if (!user.equals(unit.owner()) && !others.contains(user)) {
        others.add(user);
      }
      byName.put(
          database,
          new TenantDatabases.Unit(database, unit.owner(), others, unit.sources().isEmpty() ? sources : unit.sources()));
    }
    return units;
  }

  private TemplateManager open(String backend, BackendConfig address, String password) {
    String superuser = address.user() != null ? address.user() : "postgres";
    String url = "jdbc:postgresql://" + address.address() + "/";
    try {
      // The backend's user must be a superuser. Its password is the container's, else pgjdbc
      // looks in ~/.pgpass.
      TemplateManager manager =
          TemplateManager.open(database -> DriverManager.getConnection(url + database, superuser, password),
              "backend \"" + backend + "\" (" + address.address() + ")");
      owned.add(manager);
      return manager;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgmux: backend \"" + backend + "\" has a template or a refresh mode, which needs a"
              + " superuser connection as \"" + superuser + "\" to " + address.address()
              + ", but it failed: " + e.getMessage(), e);
    }
  }

  /** Whether {@code database} is one every server has, which classes share and never replace. */
  static boolean isSystem(String database) {
    return SYSTEM.contains(database);
  }

  /** Returns {@code route} applied to {@code base}, its database rewritten to the clone's name. */
  BackendConfig apply(RouteSpec route, BackendConfig base) {
    BackendConfig applied = route.applyTo(base);
    Map<String, String> current = names.get(route.backend());
    if (current == null) {
      return applied;
    }
    String user = applied.user() != null ? applied.user() : route.user();
    String declared = applied.database() != null ? applied.database() : user;
    String now = current.get(declared);
    return now == null || now.equals(declared) && applied.database() == null ? applied : applied.withDatabase(now);
  }

  /** Whether refresh replaces the databases before each test. */
  boolean eachTest() {
    return refresh == Refresh.EACH_TEST && !databases.isEmpty();
  }

  /** Whether refresh replaces the databases before each nested class. */
  boolean eachClass() {
    return refresh == Refresh.EACH_CLASS && !databases.isEmpty();
  }

  /** Replaces every managed database with a fresh clone, the backends side by side. */
  void refresh() {
    Map<String, Callable<Map<String, String>>> tasks = new LinkedHashMap<>();
    databases.forEach((backend, made) -> tasks.put(backend, made::refresh));
    Map<String, Map<String, String>> fresh = new LinkedHashMap<>();
    RuntimeException failure = inParallel(tasks, fresh);
    names.putAll(fresh);
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Runs {@code tasks} on a thread each (the last on the caller's), puts what they return into
   * {@code results} and returns the first failure, with the others suppressed, or {@code null}.
   */
  private static <T> RuntimeException inParallel(Map<String, Callable<T>> tasks, Map<String, T> results) {
    Map<String, CompletableFuture<T>> running = new LinkedHashMap<>();
    tasks.forEach(
        (name, task) ->
            running.put(
                name,
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return task.call();
                      } catch (RuntimeException e) {
                        throw e;
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    },
                    command -> new Thread(command, "pgmux-refresh-" + name).start())));
    RuntimeException failure = null;
    for (Map.Entry<String, CompletableFuture<T>> entry : running.entrySet()) {
      try {
        results.put(entry.getKey(), entry.getValue().join());
      } catch (CompletionException e) {
        RuntimeException cause =
            e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        if (failure == null) {
          failure = cause;
        } else {
          failure.addSuppressed(cause);
        }
      }
    }
    return failure;
  }

  /** Removes the class's databases (and in embedded servers, whatever its tests created). */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    databases.values().forEach(made -> run(made::close, failures));
    if (fleet != null) {
      for (String backend : fleet.addresses().keySet()) {
        if (databases.containsKey(backend)) {
          continue; // swept as it closed
        }
        run(() -> fleet.templates(backend).sweep(), failures);
      }
    }
    owned.forEach(manager -> run(manager::close, failures));
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  private static void run(Runnable step, List<RuntimeException> failures) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }
}
