package io.pgmux.junit5.internal.embedded;

import io.pgmux.BackendConfig;
import io.pgmux.junit5.internal.refresh.TemplateManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One embedded PostgreSQL server (zonky's {@link EmbeddedPostgres}) in a directory of its own,
 * with trust authentication for local connections. Its data directory and log are deleted when it
 * is closed. Thread-safe.
 */
final class EmbeddedServer implements AutoCloseable {
  /** How long starting may take (initdb or copying the template, then startup). */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** Servers not yet closed, stopped by a shutdown hook if the JVM ends first. */
  private static final Set<EmbeddedServer> LIVE = ConcurrentHashMap.newKeySet();

  private final String name;
  private final Path directory;
  private final EmbeddedPostgres postgres;
  private TemplateManager templates;

  private EmbeddedServer(String name, Path directory, EmbeddedPostgres postgres) {
    this.name = name;
    this.directory = directory;
    this.postgres = postgres;
  }

  /**
   * Starts a server for the backend {@code name}.
   *
   * @param useTemplate whether to copy the JVM's initdb template instead of running initdb
   * @throws IOException if it does not start, with the end of its log in the message
   */
  static EmbeddedServer start(
      String name, Binaries binaries, Map<String, String> serverConfig, boolean useTemplate)
      throws IOException {
    Path directory =
        Files.createTempDirectory(Workspace.root(), name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-");
    Path data = directory.resolve("data");
    Path log = directory.resolve("postgres.log");
    Templates.Claim claim = null;
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setPgBinaryResolver(binaries.resolver())
              .setDataDirectory(data)
              // initdb runs only into an empty directory, and we delete it ourselves on close.
              .setCleanDataDirectory(false)
              // One hook for all servers (Workspace) instead of one per server that outlives it.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(START_TIMEOUT)
              // A file instead of zonky's pipe and logger thread, and it explains failures.
              .setOutputRedirector(Redirect.appendTo(log.toFile()))
              .setErrorRedirector(Redirect.appendTo(log.toFile()));
      serverConfig.forEach(builder::setServerConfig);
      if (useTemplate) {
        claim = Templates.prepare(binaries, data);
        if (claim != null) {
          Templates.Claim saving = claim;
          builder.setDataDirectoryCustomizer(dir -> saving.save(dir.toPath()));
        }
      }
      EmbeddedPostgres postgres = builder.start();
      EmbeddedServer server = new EmbeddedServer(name, directory, postgres);
      LIVE.add(server);
      return server;
    } catch (IOException | RuntimeException | Error e) {
      if (claim != null) {
        claim.abandon(e);
      }
      String tail = tail(log);
      Workspace.deleteQuietly(directory);
      throw new IOException(
          "embedded PostgreSQL for backend \""
              + name
              + "\" ("
              + binaries.description()
              + ") did not start: "
              + e
              + (tail.isEmpty() ? "" : "\n--- end of its log ---\n" + tail),
          e);
    }
  }

  /** Returns where clients reach the server. */
  BackendConfig address() {
    return BackendConfig.of("127.0.0.1", postgres.getPort());
  }

  /** Returns the manager of this server's template databases, made on first use. */
  synchronized TemplateManager templates() throws SQLException {
    if (templates == null) {
      templates = TemplateManager.open(db -> postgres.getDatabase("postgres", db).getConnection(), toString());
    }
    return templates;
  }

  /** Returns the directory of its data and log, for tests that look for leftovers. */
  Path directory() {
    return directory;
  }

  /**
   * Creates {@code user} as a login role and {@code database} owned by it, unless they exist; a
   * user that does not own an existing database is granted all rights on it and on its schema
   * {@code public}, which PostgreSQL 15 and later keep to the owner.
   */
  synchronized void ensureUser(String user, String database) throws SQLException {
    try (Connection admin = postgres.getPostgresDatabase().getConnection()) {
      if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
        execute(admin, "CREATE ROLE " + quote(user) + " LOGIN");
      }
      String owner = owner(admin, database);
      if (owner == null) {
        execute(admin, "CREATE DATABASE " + quote(database) + " OWNER " + quote(user));
      } else if (!owner.equals(user) && !user.equals("postgres")) {
        execute(admin, "GRANT ALL ON DATABASE " + quote(database) + " TO " + quote(user));
        try (Connection inDatabase = postgres.getDatabase("postgres", database).getConnection()) {
          execute(inDatabase, "GRANT ALL ON SCHEMA public TO " + quote(user));
        }
      }
    }
  }

  /** Stops the server (fast shutdown) and deletes its directory. Idempotent. */
  @Override
  public void close() {
    if (!LIVE.remove(this)) {
      return;
    }
    synchronized (this) {
      if (templates != null) {
        templates.abandon();
      }
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("stopping embedded PostgreSQL \"" + name + "\"", e);
    } finally {
      Workspace.deleteQuietly(directory);
    }
  }

  /** Stops every server still running; for the JVM's shutdown. */
  static void closeAll() {
    // In parallel: servers kept for the JVM may be several, and the JVM waits for this hook.
    List<Thread> stopping = new java.util.ArrayList<>();
    for (EmbeddedServer server : List.copyOf(LIVE)) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  server.close();
                } catch (RuntimeException e) {
                  // Shutting down: keep stopping the others.
                }
              },
              "pgmux-embedded-stop-" + server.name);
      thread.start();
      stopping.add(thread);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    for (Thread thread : stopping) {
      try {
        thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Returns the servers not yet closed. For tests. */
  static Set<EmbeddedServer> live() {
    return Set.copyOf(LIVE);
  }

  @Override
  public String toString() {
    return "embedded PostgreSQL \"" + name + "\" on port " + postgres.getPort();
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static boolean exists(Connection connection, String sql, String value)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, value);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static String owner(Connection connection, String database) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
      statement.setString(1, database);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
