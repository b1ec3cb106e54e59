package io.pgmux.junit5.internal.embedded;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.ClientAuth;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * One embedded PostgreSQL server (zonky's {@link EmbeddedPostgres}) in a directory of its own,
 * with trust authentication for local connections. Its data directory and log are deleted when it
 * is closed. Thread-safe.
 */
final class EmbeddedServer implements AutoCloseable {
  /** How long starting may take (initdb or copying the template, then startup). */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** The superuser initdb creates (zonky's default), trusted on 127.0.0.1. */
  static final String SUPERUSER = "postgres";

  /** How often the log is read for a FATAL line while the server starts. */
  private static final Duration LOG_POLL = Duration.ofMillis(50);

  /** Servers not yet closed, stopped by a shutdown hook if the JVM ends first. */
  private static final Set<EmbeddedServer> LIVE = ConcurrentHashMap.newKeySet();

  private final String name;
  private final Path directory;
  private final EmbeddedPostgres postgres;
  private final EmbeddedFleet.Security security;
  private TemplateManager templates;

  private EmbeddedServer(
      String name, Path directory, EmbeddedPostgres postgres, EmbeddedFleet.Security security) {
    this.name = name;
    this.directory = directory;
    this.postgres = postgres;
    this.security = security;
  }

  /**
   * Starts a server for the backend {@code name}.
   *
   * @param useTemplate whether to copy the JVM's initdb template instead of running initdb
   * @throws IOException if it does not start, with the end of its log in the message
   */
  static EmbeddedServer start(
      String name,
      Binaries binaries,
      Map<String, String> serverConfig,
      boolean useTemplate,
      EmbeddedFleet.Security security)
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
      secure(builder, directory, security);
      if (useTemplate) {
        claim = Templates.prepare(binaries, data);
        if (claim != null) {
          Templates.Claim saving = claim;
          builder.setDataDirectoryCustomizer(dir -> saving.save(dir.toPath()));
        }
      }
      EmbeddedPostgres postgres;
      try {
        postgres = startWatchingLog(builder, log);
      } catch (IOException | RuntimeException e) {
        ExtensionConfigurationException config = refused(name, binaries, serverConfig, log, e);
        if (config != null) {
          throw config;
        }
        throw e;
      }
      ExtensionConfigurationException config = refused(name, binaries, serverConfig, log, null);
      if (config != null) {
        closeQuietly(postgres);
        throw config;
      }
      EmbeddedServer server = new EmbeddedServer(name, directory, postgres, security);
      LIVE.add(server);
      return server;
    } catch (ExtensionConfigurationException e) {
      if (claim != null) {
        claim.abandon(e);
      }
      Workspace.deleteQuietly(directory);
      throw e;
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

  /**
   * Sets up what {@code security} asks for before the server starts: the certificate ({@code ssl
   * = on}) and a {@code pg_hba.conf} of its own beside the data (in {@code hba_file}, so that the
   * initdb template stays as initdb made it). The superuser stays trusted, for the extension's
   * own connections; every other role logs in over TCP as {@code security} says.
   */
  private static void secure(
      EmbeddedPostgres.Builder builder, Path directory, EmbeddedFleet.Security security)
      throws IOException {
    if (security.equals(EmbeddedFleet.Security.TRUST)) {
      return;
    }
    if (security.tls()) {
      ServerCertificate.Pem pem = ServerCertificate.get();
      builder
          .setServerConfig("ssl", "on")
          .setServerConfig("ssl_cert_file", pem.certificate().toString())
          .setServerConfig("ssl_key_file", pem.key().toString());
    }
    String method = security.scram() ? "scram-sha-256" : "trust";
    String hba =
        String.join(
            "\n",
            "local all all trust",
            "local replication all trust",
            "host all " + SUPERUSER + " all trust",
            "host replication " + SUPERUSER + " all trust",
            (security.tls() ? "hostssl" : "host") + " all all all " + method,
            (security.tls() ? "hostssl" : "host") + " replication all all " + method,
            "");
    Path file = directory.resolve("pg_hba.conf");
    Files.writeString(file, hba);
    builder.setServerConfig("hba_file", file.toString());
  }

  /**
   * Starts the server while reading its log: zonky waits for the port for up to {@link
   * #START_TIMEOUT} even when the server has exited at once (a bad setting), so a FATAL line in
   * the log interrupts that wait, which makes zonky return early.
   */
  private static EmbeddedPostgres startWatchingLog(EmbeddedPostgres.Builder builder, Path log)
      throws IOException {
    Thread starter = Thread.currentThread();
    AtomicBoolean done = new AtomicBoolean();
    Thread watcher =
        new Thread(
            () -> {
              while (!done.get()) {
                if (fatalLine(log) != null) {
                  synchronized (done) {
                    if (!done.get()) {
                      starter.interrupt();
                    }
                  }
                  return;
                }
                LockSupport.parkNanos(LOG_POLL.toNanos());
              }
            },
            "pgmux-embedded-watch-" + starter.getName());
    watcher.setDaemon(true);
    watcher.start();
    try {
      return builder.start();
    } finally {
      synchronized (done) {
        done.set(true);
      }
      Thread.interrupted(); // the watcher's interrupt, if any, was for zonky's wait only
      try {
        watcher.join(START_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Returns the first FATAL line of a server's log that means it will not start, or {@code null};
   * ignores those PostgreSQL sends to clients that connect while it is starting.
   */
  static String fatalLine(Path log) {
    try {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        int at = line.indexOf("FATAL:");
        if (at >= 0
            && !line.contains("starting up")
            && !line.contains("not yet accepting connections")
            && !line.contains("shutting down")) {
          return line.substring(at).replaceAll("\\s+", " ").strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      // No log yet.
    }
    return null;
  }

  /**
   * Returns a configuration error quoting the FATAL line of the log of a server that refused to
   * start, or {@code null} if the log has none.
   */
  private static ExtensionConfigurationException refused(
      String name, Binaries binaries, Map<String, String> serverConfig, Path log, Exception cause) {
    String fatal = fatalLine(log);
    if (fatal == null) {
      return null;
    }
    return new ExtensionConfigurationException(
            "pgmux: embedded PostgreSQL for backend \"" + name + "\" (" + binaries.description()
                + ") refused to start: " + fatal
                + (serverConfig.isEmpty()
                    ? ""
                    : ". Its serverConfig is " + serverConfig
                        + ": fix the setting's name or value, as in postgresql.conf"),
            cause);
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException | RuntimeException e) {
      // It never ran: nothing to stop.
    }
  }

  /**
   * Returns where the proxy reaches the server: with TLS on, {@code verify-full} against the
   * JVM's certificate; under SCRAM, with the password, the proxy authenticating clients itself
   * against the same password.
   */
  BackendConfig address() {
    BackendConfig address = BackendConfig.of("127.0.0.1", postgres.getPort());
    if (security.tls()) {
      address = address.withTls(BackendTls.verifyFull(ServerCertificate.get().certificate()));
    }
    if (security.scram()) {
      address =
          address
              .withPassword(EmbeddedFleet.PASSWORD.toCharArray())
              .withClientAuth(ClientAuth.scram(EmbeddedFleet.PASSWORD.toCharArray()));
    }
    return address;
  }

  /** Returns the manager of this server's template databases, made on first use. */
  synchronized TemplateManager templates() throws SQLException {
    if (templates == null) {
      templates = TemplateManager.open(db -> postgres.getDatabase("postgres", db).getConnection(), toString());
    }
    return templates;
  }

  /** Returns a JDBC URL that logs in as the superuser {@code postgres}, without a password. */
  String superuserJdbcUrl(String database) {
    return postgres.getJdbcUrl(SUPERUSER, database);
  }

  /** Opens a connection as the superuser to {@code database}. */
  Connection connect(String database) throws SQLException {
    return postgres.getDatabase(SUPERUSER, database).getConnection();
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
      givePassword(admin, user);
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

  /**
   * Under SCRAM, gives {@code user} (a role others made, such as a tenant database's owner) the
   * password the proxy logs in with; under trust, does nothing.
   */
  void givePassword(String user) throws SQLException {
    if (security.scram()) {
      try (Connection admin = postgres.getPostgresDatabase().getConnection()) {
        givePassword(admin, user);
      }
    }
  }

  private void givePassword(Connection admin, String user) throws SQLException {
    if (security.scram() && !user.equals(SUPERUSER)) {
      // Older servers store MD5 by default; SCRAM logins need a SCRAM verifier.
      execute(admin, "SET password_encryption = 'scram-sha-256'");
      execute(
          admin,
          "ALTER ROLE " + quote(user) + " PASSWORD '" + EmbeddedFleet.PASSWORD.replace("'", "''") + "'");
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
