package io.pgmux.test;

import io.pgmux.BackendConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.zip.ZipFile;

/**
 * A real PostgreSQL server for tests, started from zonky's embedded binaries, with one account
 * per password method the proxy passes through:
 *
 * <ul>
 *   <li>{@code scram_user} / {@value #PASSWORD}: SCRAM-SHA-256
 *   <li>{@code md5_user} / {@value #PASSWORD}: MD5 (stored as an MD5 hash)
 *   <li>{@code clear_user} / {@value #PASSWORD}: cleartext password
 *   <li>{@code tls_user} / {@value #PASSWORD}: SCRAM-SHA-256 over TLS only ({@code hostssl}),
 *       refused without TLS; only servers started with a certificate accept it at all
 *   <li>{@code postgres} and every other role: trust
 * </ul>
 */
public final class TestPostgres implements AutoCloseable {
  public static final String PASSWORD = "s3cret-pass";

  /** The major version of the binaries on the test classpath. */
  public static final int CURRENT = 18;

  /** The major version loaded from {@code pgmux.test.oldPostgresJar}. */
  public static final int OLD = 14;

  /**
   * The major version loaded from {@code pgmux.test.postgres15Jar}: the newest without protocol
   * 3.2 or direct TLS, for tests that compare the proxy with what older servers answer.
   */
  public static final int V15 = 15;

  private static final String HBA =
      String.join(
          "\n",
          "local all all trust",
          "local replication all trust",
          "host replication all all trust",
          "host all scram_user all scram-sha-256",
          "host all md5_user all md5",
          "host all clear_user all password",
          "hostssl all tls_user all scram-sha-256",
          "host all tls_user all reject",
          "host all all all trust",
          "");

  private final EmbeddedPostgres server;
  private final int version;

  private TestPostgres(EmbeddedPostgres server, int version) {
    this.server = server;
    this.version = version;
  }

  /** Starts a server of the current major version. */
  public static TestPostgres current() {
    return start(CURRENT);
  }

  /** Starts a server of the old major version, which runs beside the current one. */
  public static TestPostgres old() {
    return start(OLD);
  }

  /** Starts a PostgreSQL 15 server, which runs beside the others. */
  public static TestPostgres v15() {
    return start(V15);
  }

  private static TestPostgres start(int version) {
    return start(version, null);
  }

  /**
   * Starts a server of {@code version} ({@link #CURRENT}, {@link #OLD} or {@link #V15}) with
   * {@code ssl=on} and the test RSA certificate ({@link TestTls}), to compare the proxy's TLS
   * with PostgreSQL's own.
   */
  public static TestPostgres withTls(int version) {
    return start(version, "rsa");
  }

  /**
   * Starts a server with {@code ssl = on} and the test certificate {@code certificate} ({@code
   * "rsa"}: localhost and 127.0.0.1; {@code "other"}: db.example.test) from {@link TestTls}.
   */
  public static TestPostgres withTls(int version, String certificate) {
    return start(version, certificate);
  }

  private static TestPostgres start(int version, String certificate) {
    try {
      Path data = Files.createTempDirectory("pgmux-test-pg" + version + "-");
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(data)
              .setCleanDataDirectory(true)
              .setServerConfig("max_connections", "300")
              .setServerConfig("listen_addresses", "127.0.0.1");
      if (version == OLD) {
        builder.setPgBinaryResolver(binaries("pgmux.test.oldPostgresJar", OLD));
      } else if (version == V15) {
        builder.setPgBinaryResolver(binaries("pgmux.test.postgres15Jar", V15));
      }
      if (certificate != null) {
        tls(builder, certificate);
      }
      EmbeddedPostgres server = builder.start();
      TestPostgres postgres = new TestPostgres(server, version);
      postgres.createAccounts(data);
      return postgres;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PgBinaryResolver binaries(String property, int version) {
    String jar = System.getProperty(property);
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException(
          "PostgreSQL " + version + " binaries not found: run the tests through Maven ("
              + "./mvnw verify), which copies them to target/pg-binaries; "
              + property + "=" + jar);
    }
    return (system, hardware) -> {
      ZipFile zip = new ZipFile(jar);
      // One platform per binaries jar: take its only archive.
      InputStream entry =
          zip.getInputStream(
              zip.stream()
                  .filter(e -> e.getName().endsWith(".txz"))
                  .findFirst()
                  .orElseThrow(() -> new IOException(jar + " holds no PostgreSQL archive")));
      return new java.io.FilterInputStream(entry) {
        @Override
        public void close() throws IOException {
          super.close();
          zip.close();
        }
      };
    };
  }

  private void createAccounts(Path data) throws IOException {
    try (Connection c = superuser(); Statement s = c.createStatement()) {
      s.execute("SET password_encryption = 'scram-sha-256'");
      s.execute("CREATE ROLE scram_user LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE ROLE clear_user LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE ROLE tls_user LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("SET password_encryption = 'md5'");
      s.execute("CREATE ROLE md5_user LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE DATABASE app");
      Files.writeString(data.resolve("pg_hba.conf"), HBA);
      s.execute("SELECT pg_reload_conf()");
    } catch (SQLException e) {
      throw new IllegalStateException("setting up test accounts failed", e);
    }
  }

  /** Copies the certificate and key where the server reads them, with the mode it insists on. */
  private static void tls(EmbeddedPostgres.Builder builder, String name) throws IOException {
    Path dir = Files.createTempDirectory("pgmux-test-pg-tls-");
    Path cert = Files.copy(TestTls.file(name + ".crt"), dir.resolve("server.crt"));
    Path key = Files.copy(TestTls.file(name + "-pkcs8.key"), dir.resolve("server.key"));
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    builder
        .setServerConfig("ssl", "on")
        .setServerConfig("ssl_cert_file", cert.toString())
        .setServerConfig("ssl_key_file", key.toString());
  }

  public int majorVersion() {
    return version;
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return server.getPort();
  }

  /** A backend that keeps the client's user and database. */
  public BackendConfig backend() {
    return BackendConfig.of(host(), port());
  }

  /** Connects straight to the server, bypassing any proxy, as the trusted superuser. */
  public Connection superuser() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + host() + ":" + port() + "/postgres", "postgres", "");
  }

  /** Runs statements as the superuser. */
  public void execute(String... sql) {
    try (Connection c = superuser(); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "PostgreSQL " + version + " on " + host() + ":" + port();
  }
}
