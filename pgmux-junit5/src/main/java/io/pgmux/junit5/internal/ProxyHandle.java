package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import io.pgmux.Faults;
import io.pgmux.ProxyServer;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.StatementJournal;
import io.pgmux.StaticRouter;
import io.pgmux.junit5.BackendInit;
import io.pgmux.junit5.BackendAuth;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.internal.embedded.EmbeddedFleet;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link PgMuxProxy} of one test class: its proxy, router and backends (embedded ones in an
 * {@link EmbeddedFleet}). It is the value the extension keeps in the class's {@code
 * ExtensionContext.Store}, so JUnit closes it after the class. Thread-safe.
 */
@SuppressWarnings("deprecation") // CloseableResource: so JUnit before 5.13 closes it too
public final class ProxyHandle
    implements PgMuxProxy, AutoCloseable, ExtensionContext.Store.CloseableResource {
  private static final String HOST = "127.0.0.1";
  /** Statements one test class keeps at most; older ones are dropped and counted. */
  private static final int JOURNAL_CAPACITY = 10_000;

  private final String owner;
  private final BackendPlan plan;
  private final StaticRouter router = new StaticRouter();
  /** Every backend known so far by name; instance-field backends join before each test. */
  private final Map<String, BackendConfig> backends = new ConcurrentHashMap<>();
  private final SessionLog sessionLog = new SessionLog();
  /** The routes as the current test found them, restored after it. */
  private volatile Map<String, BackendConfig> routesAtTestStart;
  /** Whether clients must use TLS, so JDBC URLs ask for it. */
  private final boolean tls;
  /** Written once while starting, before the handle is shared. */
  private volatile EmbeddedFleet fleet;
  /** The class's tenant databases; written once while starting. */
  private volatile ClassDatabases databases;
  private volatile ProxyServer server;

  private ProxyHandle(String owner, BackendPlan plan, boolean tls) {
    this.owner = owner;
    this.plan = plan;
    this.tls = tls;
  }

  /**
   * Validates {@code setup} against the backend fields of {@code testClass}, starts the embedded
   * servers the routes need and the proxy. On failure, stops whatever it started.
   *
   * @throws ExtensionConfigurationException on misconfiguration, saying how to fix it
   */
  static ProxyHandle start(Setup setup, Class<?> testClass) {
    Logging.quietByDefault();
    BackendPlan plan = BackendPlan.of(setup, testClass);
    ProxyHandle handle = new ProxyHandle(testClass.getName(), plan, setup.tls() != null);
    // Scripts are read first, so that a missing one fails before any server starts.
    Map<InitStep, BackendInit> inits = new LinkedHashMap<>();
    for (String backend : plan.embedded()) {
      for (InitStep step : setup.initSteps(backend)) {
        inits.computeIfAbsent(
            step,
            s ->
                s instanceof InitStep.Script script
                    ? Scripts.runner(script.resource(), testClass)
                    : ((InitStep.Callback) s).init());
      }
    }
    try {
      handle.backends.putAll(plan.given());
      if (!plan.embedded().isEmpty()) {
        handle.fleet =
            EmbeddedFleet.start(
                plan.embedded(),
                setup.postgresVersion(),
                setup.serverConfig(),
                new EmbeddedFleet.Security(
                    setup.backendAuth() == BackendAuth.SCRAM_SHA_256, setup.backendTls()),
                // Init steps prepare a new server once: servers with them are the class's alone.
                setup.init().isEmpty(),
                testClass.getClassLoader());
        handle.backends.putAll(handle.fleet.addresses());
        for (String backend : plan.embedded()) {
          for (InitStep step : setup.initSteps(backend)) {
            handle.fleet.prepare(backend, "template1", inits.get(step), step.toString());
          }
        }
      }
      for (RouteSpec route : plan.routes()) {
        BackendConfig base = handle.backends.get(route.backend());
        if (base != null) {
          handle.prepare(route.backend(), route.user(), route.applyTo(base));
        }
      }
      handle.databases =
          ClassDatabases.create(
              setup, handle.backends, plan.passwords(), handle.fleet, handle.owner, testClass.getClassLoader());
      for (RouteSpec route : plan.routes()) {
        if (handle.fleet != null && handle.fleet.contains(route.backend())) {
          // The routes' roles exist now (some made by ClassDatabases): under SCRAM they need the password.
          String backendUser = route.backendUser() != null ? route.backendUser() : route.user();
          handle.fleet.givePassword(route.backend(), backendUser);
        }
      }
      handle.applyRoutes();
      handle.server =
          new ProxyServer(HOST + ":0", handle.router)
              .withListener(handle.sessionLog)
              // Test traffic is light; one loop keeps a class's thread count low.
              .withEventLoops(1)
              .withRouterThreads(4)
              .withTls(setup.tls())
              .withJournal(JOURNAL_CAPACITY, true)
              .withFaults()
              .start();
      return handle;
    } catch (RuntimeException | Error e) {
      try {
        handle.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * In an embedded backend, creates the role and database {@code route} (of client {@code user})
   * lands on; other backends are the user's to prepare. Databases with templates are cloned
   * instead ({@link ClassDatabases}); this serves the system databases and routes made at run
   * time.
   */
  private void prepare(String backend, String user, BackendConfig route) {
    if (fleet != null && fleet.contains(backend)) {
      String backendUser = route.user() != null ? route.user() : user;
      String database = route.database() != null ? route.database() : backendUser;
      if (databases == null && !ClassDatabases.isSystem(database)) {
        return; // while starting: ClassDatabases clones it
      }
      // A system database, or a route made at run time: the class's server sweeps it afterwards.
      fleet.ensureUser(backend, backendUser, database);
    }
  }

  /** Points every declared route with a known backend at its current database. */
  private void applyRoutes() {
    for (RouteSpec route : plan.routes()) {
      BackendConfig base = backends.get(route.backend());
      if (base != null) {
        router.put(route.user(), databases.apply(route, base));
      }
    }
  }

  /** Before a nested class that shares this proxy: fresh databases, if the class asks for them. */
  void beforeNestedClass() {
    if (databases.eachClass()) {
      databases.refresh();
      applyRoutes();
    }
  }

  /** Before each test: fresh databases, if the class asks for them. */
  void beforeTest() {
    if (databases.eachTest()) {
      databases.refresh();
      applyRoutes();
    }
  }

  /** Reads the instance backend fields of the test's instances and routes to them. */
  void bindInstanceBackends(List<Object> testInstances) {
    plan.readInstanceBackends(testInstances)
        .forEach(
            (name, base) -> {
              backends.put(name, base);
              for (RouteSpec route : plan.routesTo(name)) {
                router.put(route.user(), route.applyTo(base));
              }
            });
  }

  /** Marks the start of a test: its session view begins, and its route changes are undone after. */
  void beginTest() {
    routesAtTestStart = router.routes();
    sessionLog.beginView();
    // An empty journal and no faults left from before.
    server.faults().clear();
    server.journal().clear();
  }

  /** Puts the routes back as the test found them. */
  void endTest() {
    // No fault outlives its test; sessions a stall held go on.
    server.faults().clear();
    Map<String, BackendConfig> saved = routesAtTestStart;
    if (saved != null) {
      replaceRoutes(saved);
    }
  }

  private synchronized void replaceRoutes(Map<String, BackendConfig> routes) {
    for (String user : router.routes().keySet()) {
      if (!routes.containsKey(user)) {
        router.remove(user);
      }
    }
    routes.forEach(router::put);
  }

  /** Returns the declared routes with their rewrites, for backends known so far. */
  private Map<String, BackendConfig> declaredRoutes() {
    Map<String, BackendConfig> declared = new LinkedHashMap<>();
    for (RouteSpec route : plan.routes()) {
      BackendConfig base = backends.get(route.backend());
      if (base != null) {
        declared.put(route.user(), databases == null ? route.applyTo(base) : databases.apply(route, base));
      }
    }
    return declared;
  }

  @Override
  public void resetRoutes() {
    replaceRoutes(declaredRoutes());
  }

  @Override
  public void resetRoute(String user) {
    Objects.requireNonNull(user, "user");
    BackendConfig declared = declaredRoutes().get(user);
    if (declared == null) {
      throw new IllegalArgumentException(
          "pgmux: user \"" + user + "\" has no declared route on " + owner + " (declared: "
              + declaredRoutes().keySet() + "): route it with route(user, backend), or remove"
              + " its route with removeRoute(user)");
    }
    router.put(user, declared);
  }

  @Override
  public String host() {
    return HOST;
  }

  @Override
  public int port() {
    return server.port();
  }

  @Override
  public String jdbcUrl(String user) {
    Objects.requireNonNull(user, "user");
    BackendConfig route = router.routes().get(user);
    if (route == null) {
      throw new IllegalArgumentException(
          "pgmux: user \"" + user + "\" has no route on " + owner + " (routed users: "
              + new TreeSet<>(router.routes().keySet()) + "): route it first with route(user,"
              + " backend), or use jdbcUrl(user, database) to try a login the proxy refuses");
    }
    String database =
        route.database() != null ? route.database() : route.user() != null ? route.user() : user;
    return jdbcUrl(user, database);
  }

  @Override
  public String jdbcUrl(String user, String database) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(database, "database");
    BackendConfig route = router.routes().get(user);
    String password = route == null ? null : embeddedPassword(route);
    return "jdbc:postgresql://" + HOST + ":" + port() + "/" + encode(database) + "?user=" + encode(user)
        + (password == null ? "" : "&password=" + encode(password))
        + (tls ? "&sslmode=require" : "");
  }

  /**
   * Returns the password clients of {@code route} give the proxy when it leads to an embedded
   * server under SCRAM (the proxy authenticates them against it), else null.
   */
  private String embeddedPassword(BackendConfig route) {
    if (fleet == null || route.clientAuth() == null) {
      return null;
    }
    for (BackendConfig address : fleet.addresses().values()) {
      if (address.host().equals(route.host()) && address.port() == route.port()) {
        return EmbeddedFleet.PASSWORD;
      }
    }
    return null;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public DataSource dataSource(String user) {
    return new UrlDataSource(jdbcUrl(user));
  }

  @Override
  public String backendJdbcUrl(String name) {
    BackendConfig backend = backend(name);
    if (fleet != null && fleet.contains(name)) {
      return fleet.superuserJdbcUrl(name, "postgres");
    }
    return "jdbc:postgresql://" + backend.host() + ":" + backend.port() + "/"
        + (backend.database() == null ? "" : encode(backend.database()))
        + (backend.user() == null ? "" : "?user=" + encode(backend.user()));
  }

  @Override
  public BackendConfig backend(String name) {
    BackendConfig config = backends.get(Objects.requireNonNull(name, "name"));
    if (config == null) {
      throw new IllegalArgumentException(
          "pgmux: unknown backend \"" + name + "\": the backends of " + owner + " are "
              + new TreeSet<>(backends.keySet())
              + (plan.instanceFields().containsKey(name)
                  ? " (its instance field is read before each test)"
                  : "")
              + "; name one of them, or route to a BackendConfig");
    }
    return config;
  }

  @Override
  public Map<String, BackendConfig> backends() {
    return Map.copyOf(backends);
  }

  @Override
  public Map<String, BackendConfig> routes() {
    return router.routes();
  }

  @Override
  public void route(String user, String backend) {
    Objects.requireNonNull(user, "user");
    BackendConfig base = backend(backend);
    prepare(backend, user, base);
    router.put(user, base);
  }

  @Override
  public void route(String user, BackendConfig backend) {
    router.put(Objects.requireNonNull(user, "user"), Objects.requireNonNull(backend, "backend"));
  }

  @Override
  public void removeRoute(String user) {
    router.remove(user);
  }

  @Override
  public List<SessionInfo> sessions() {
    return sessionLog.view(server);
  }

  @Override
  public List<SessionInfo> awaitSessionsEnded(String user, Duration timeout) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(timeout, "timeout");
    return sessionLog.awaitEnded(s -> s.user().equals(user), timeout, "user \"" + user + "\"", server);
  }

  @Override
  public List<SessionInfo> sessions(String backend) {
    BackendConfig target = backend(backend);
    return sessions().stream()
        .filter(s -> s.backend().host().equals(target.host()) && s.backend().port() == target.port())
        .toList();
  }

  @Override
  public ProxyStats stats() {
    return server.stats();
  }

  @Override
  public StatementJournal journal() {
    return server.journal();
  }

  @Override
  public Faults faults() {
    return server.faults();
  }

  /** Returns the embedded servers' directories by backend name, for tests. */
  Map<String, Path> embeddedDirectories() {
    return fleet == null ? Map.of() : fleet.directories();
  }

  /**
   * Closes the proxy, then stops the embedded servers and deletes their data; waits for all of
   * it, so nothing of this class runs afterwards. Idempotent.
   */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    if (server != null) {
      try {
        server.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (databases != null) {
      try {
        databases.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (fleet != null) {
      try {
        fleet.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException("pgmux: closing the proxy of " + owner + " failed", failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "PgMuxProxy[" + owner + (server == null ? "" : " on " + HOST + ":" + server.port()) + "]";
  }
}
