package io.pgmux.junit5.internal.refresh;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Template databases and their clones on one PostgreSQL server, reached only through superuser
 * connections ({@link Admin}), so it serves embedded servers and containers alike. Thread-safe.
 *
 * <p>A template is prepared once per manager for each owner and list of {@link TemplateSource}s:
 * the owner's role is created, an empty database owned by it is filled by the sources (run as
 * the owner) and closed to connections. {@link #take(Template)} then hands out databases cloned
 * from it with {@code CREATE DATABASE ... TEMPLATE}. One clone per template is kept ready in the
 * background, so a caller usually gets a database without waiting for the copy; measured on
 * PostgreSQL 18, copying a 12 MB tenant costs 50 to 300 ms, which a test or class start would
 * otherwise pay per tenant. Databases no longer needed have their sessions ended ({@link
 * #endSessions}) and are dropped in the background ({@link #dropLater}).
 */
public final class TemplateManager implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux.junit5.refresh");

  /** Chooses the clone strategy: FILE_COPY (default), WAL_LOG or CLONE (PostgreSQL 18 reflink). */
  public static final String STRATEGY_PROPERTY = "pgmux.refresh.strategy";

  /** How long a clone, a template or ending sessions may take before the caller gives up. */
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  /** Template preparations with at least one source, in this JVM: tests count migrations. */
  private static final AtomicInteger MIGRATIONS = new AtomicInteger();

  /** Tells this JVM's databases from other JVMs' on a server they share. */
  private static final String JVM = Long.toString(ProcessHandle.current().pid(), 36);

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final Admin admin;
  private final String server;
  private final int version;
  private final String strategy;
  private final ConcurrentHashMap<Key, CompletableFuture<Template>> templates = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Template, ArrayDeque<CompletableFuture<String>>> spares =
      new ConcurrentHashMap<>();
  /** Databases this manager created and has not dropped: dropped when it closes. */
  private final Set<String> created = ConcurrentHashMap.newKeySet();
  private final AdminPool pool;
  private final ExecutorService cloner;
  private final ExecutorService dropper;
  private volatile boolean closed;

  /** A prepared template database. */
  public record Template(String name, String owner, List<TemplateSource> sources) {}

  private record Key(String owner, List<TemplateSource> sources) {}

  private TemplateManager(Admin admin, String server, int version) {
    this.admin = admin;
    this.server = server;
    this.version = version;
    this.strategy = System.getProperty(STRATEGY_PROPERTY, "FILE_COPY").trim().toUpperCase(Locale.ROOT);
    this.pool =
        new AdminPool(admin, version >= 18 && strategy.equals("CLONE") ? "SET file_copy_method = clone" : null);
    // Two cloners: a class's tenants are copied side by side, and I/O overlaps the checkpoints.
    // Idle threads end after a second: a server kept for later classes holds none meanwhile.
    this.cloner = executor(2, "pgmux-clone-");
    this.dropper = executor(1, "pgmux-drop-");
  }

  /**
   * Connects to the server behind {@code admin}; {@code server} names it in messages.
   *
   * @throws SQLException if it cannot connect
   */
  public static TemplateManager open(Admin admin, String server) throws SQLException {
    try (Connection connection = admin.connect("postgres");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SHOW server_version_num")) {
      rows.next();
      return new TemplateManager(admin, server, Integer.parseInt(rows.getString(1)) / 10000);
    }
  }

  /** Returns how many templates with sources this JVM has prepared, on all servers. */
  public static int migrations() {
    return MIGRATIONS.get();
  }

  /** Returns the server's major version. */
  public int version() {
    return version;
  }

  /**
   * Returns the template of {@code owner} filled by {@code sources}, preparing it on first use;
   * callers asking for the same one meanwhile wait for it. A failed preparation fails every
   * caller with the same error.
   *
   * @throws IllegalStateException if a source fails, with its message
   */
  public Template template(String owner, List<TemplateSource> sources, ClassLoader loader) {
    Key key = new Key(Objects.requireNonNull(owner, "owner"), List.copyOf(sources));
    CompletableFuture<Template> mine = new CompletableFuture<>();
    CompletableFuture<Template> existing = templates.putIfAbsent(key, mine);
    if (existing == null) {
      try {
        mine.complete(prepare(key, loader));
      } catch (RuntimeException | Error e) {
        mine.completeExceptionally(e);
      }
      existing = mine;
    }
    return Sql.await(existing, "template for " + owner, TIMEOUT);
  }

  private Template prepare(Key key, ClassLoader loader) {
    String name = name("tpl", key.owner());
    try {
      ensureRole(key.owner());
      try (AdminPool.Lease lease = lease()) {
        Sql.execute(lease.connection(), "CREATE DATABASE " + Sql.quote(name) + " OWNER " + Sql.quote(key.owner()) + strategyClause());
      }
      created.add(name);
      for (TemplateSource source : key.sources()) {
        try {
          source.run(() -> asOwner(name, key.owner()), loader);
        } catch (Exception e) {
          dropLater(List.of(name));
          throw new IllegalStateException(
              "pgmux: template \"" + source.describe() + "\" for user \"" + key.owner() + "\" on "
                  + server + " failed: " + message(e), e);
        }
      }
      if (!key.sources().isEmpty()) {
        MIGRATIONS.incrementAndGet();
      }
      // Sessions the sources left would make CREATE DATABASE wait up to 5 s for them to go.
      endSessions(List.of(name));
      try (AdminPool.Lease lease = lease()) {
        Sql.execute(lease.connection(), "ALTER DATABASE " + Sql.quote(name) + " WITH ALLOW_CONNECTIONS false");
      }
      return new Template(name, key.owner(), key.sources());
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgmux: cannot prepare a database for user \"" + key.owner() + "\" on " + server + ": "
              + e.getMessage(), e);
    }
  }

  private Connection asOwner(String database, String owner) throws SQLException {
    Connection connection = admin.connect(database);
    try {
      Sql.execute(connection, "SET ROLE " + Sql.quote(owner));
      return connection;
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
  }

  /**
   * Returns a new database cloned from {@code template}, owned by its owner, and starts cloning
   * the next one in the background.
   *
   * @throws IllegalStateException if cloning fails or takes too long
   */
  public String take(Template template) {
    CompletableFuture<String> next;
    ArrayDeque<CompletableFuture<String>> queue = spares.computeIfAbsent(template, t -> new ArrayDeque<>());
    synchronized (queue) {
      next = queue.poll();
      if (next == null) {
        next = cloneAsync(template);
      }
      queue.add(cloneAsync(template));
    }
    return Sql.await(next, "a clone of " + template.name(), TIMEOUT);
  }

  private CompletableFuture<String> cloneAsync(Template template) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("pgmux: " + server + " is closed"));
    }
    return CompletableFuture.supplyAsync(() -> cloneNow(template), cloner);
  }

  private String cloneNow(Template template) {
    String name = name("db", template.owner());
    try (AdminPool.Lease lease = lease()) {
      Sql.execute(
          lease.connection(),
          "CREATE DATABASE " + Sql.quote(name) + " TEMPLATE " + Sql.quote(template.name()) + " OWNER "
              + Sql.quote(template.owner()) + strategyClause());
      created.add(name);
      return name;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "pgmux: cannot clone " + template.name() + " on " + server + ": " + e.getMessage(), e);
    }
  }

  /**
   * Ends every session on {@code databases} and waits until the server shows none, so clients see
   * their connections closed before the caller goes on.
   */
  public void endSessions(Collection<String> databases) {
    pool.endSessions(databases, TIMEOUT);
  }

  /** Drops {@code databases} in the background, ending any session still on them. */
  public void dropLater(Collection<String> databases) {
    List<String> names = List.copyOf(databases);
    if (closed || names.isEmpty()) {
      return;
    }
    dropper.execute(
        () -> {
          for (String name : names) {
            drop(name);
          }
        });
  }

  private void drop(String name) {
    try (AdminPool.Lease lease = lease()) {
      if (version >= 13) {
        Sql.execute(lease.connection(), "DROP DATABASE IF EXISTS " + Sql.quote(name) + " WITH (FORCE)");
      } else {
        endSessions(List.of(name));
        Sql.execute(lease.connection(), "DROP DATABASE IF EXISTS " + Sql.quote(name));
      }
      created.remove(name);
    } catch (SQLException | RuntimeException e) {
      LOG.log(Level.DEBUG, () -> "pgmux: cannot drop " + name + " on " + server, e);
    }
  }

  /**
   * Creates {@code role} as a login role unless it exists. Roles belong to the whole server, so
   * classes sharing it share them; only databases are per class.
   */
  public void ensureRole(String role) throws SQLException {
    try (AdminPool.Lease lease = lease();
        PreparedStatement exists = lease.connection().prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
      exists.setString(1, role);
      try (ResultSet rows = exists.executeQuery()) {
        if (rows.next()) {
          return;
        }
      }
      try {
        Sql.execute(lease.connection(), "CREATE ROLE " + Sql.quote(role) + " LOGIN");
      } catch (SQLException e) {
        // Another class created it meanwhile: 42710 duplicate_object, or 23505 from the catalog.
        if (!"42710".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
          throw e;
        }
      }
    }
  }

  /** Lets {@code user}, who does not own {@code database}, do everything in it. */
  public void grantAll(String database, String user) throws SQLException {
    try (AdminPool.Lease lease = lease()) {
      Sql.execute(lease.connection(), "GRANT ALL ON DATABASE " + Sql.quote(database) + " TO " + Sql.quote(user));
    }
    try (Connection inside = admin.connect(database)) {
      Sql.execute(inside, "GRANT ALL ON SCHEMA public TO " + Sql.quote(user));
    }
  }

  /**
   * Stops the background work and drops every database this manager created, for servers that
   * outlive it. Waits for the drops, within bounds. Idempotent.
   */
  @Override
  public void close() {
    stop(true);
  }

  /** Stops the background work without dropping anything: the server itself is going away. */
  public void abandon() {
    stop(false);
  }

  private void stop(boolean drop) {
    if (closed) {
      return;
    }
    closed = true;
    if (!drop) {
      // The server stops next and takes every database with it: nothing is worth waiting for.
      cloner.shutdownNow();
      dropper.shutdownNow();
      pool.close();
      return;
    }
    cloner.shutdown();
    dropper.shutdown();
    try {
      cloner.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      dropper.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (drop) {
      for (String name : List.copyOf(created)) {
        drop(name);
      }
    }
    pool.close();
  }

  @Override
  public String toString() {
    return "templates on " + server;
  }

  private String strategyClause() {
    if (version < 15) {
      return ""; // FILE_COPY is all there is
    }
    return strategy.equals("WAL_LOG") ? " STRATEGY WAL_LOG" : " STRATEGY FILE_COPY";
  }

  private static String name(String kind, String owner) {
    String prefix = "pgmux_" + JVM + "_" + kind + COUNTER.incrementAndGet() + "_";
    String base = owner.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
    // PostgreSQL truncates identifiers to 63 bytes; keep the unique prefix whole.
    return prefix + base.substring(0, Math.min(base.length(), 63 - prefix.length()));
  }

  private static String message(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null && parts.size() < 3; t = t.getCause()) {
      String text = t.getMessage();
      if (text != null && parts.stream().noneMatch(p -> p.contains(text))) {
        parts.add(text);
      }
    }
    return parts.isEmpty() ? e.toString() : String.join(": ", parts);
  }

  AdminPool.Lease lease() throws SQLException {
    return pool.lease();
  }

  /**
   * Removes every database of the server but the system ones and this manager's templates and
   * spare clones: what a class made, or its tests created, is renamed away at once (so a later
   * class can take the names) and dropped in the background. Only for servers lent whole.
   */
  public void sweep() {
    List<String> foreign = new ArrayList<>();
    try (AdminPool.Lease lease = lease();
        Statement statement = lease.connection().createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')")) {
      while (rows.next()) {
        if (!rows.getString(1).startsWith("pgmux_" + JVM + "_")) {
          foreign.add(rows.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("pgmux: cannot list the databases on " + server + ": " + e.getMessage(), e);
    }
    if (foreign.isEmpty()) {
      return;
    }
    List<String> trash = new ArrayList<>();
    try (AdminPool.Lease lease = lease()) {
      for (String name : foreign) {
        Sql.execute(lease.connection(), "ALTER DATABASE " + Sql.quote(name) + " WITH ALLOW_CONNECTIONS false");
      }
      endSessions(foreign);
      for (String name : foreign) {
        String old = trashName();
        Sql.execute(lease.connection(), "ALTER DATABASE " + Sql.quote(name) + " RENAME TO " + Sql.quote(old));
        trash.add(old);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("pgmux: cannot remove " + foreign + " on " + server + ": " + e.getMessage(), e);
    } finally {
      dropLater(trash);
    }
  }

  /** Returns a new unique name for a database about to be dropped. */
  public String trashName() {
    return name("old", "");
  }

  /** Records that {@code from}, which this manager created, is now called {@code to}. */
  public void renamed(String from, String to) {
    if (created.remove(from)) {
      created.add(to);
    }
  }

  private static ExecutorService executor(int threads, String prefix) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            1,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread = new Thread(task, prefix + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }
}
