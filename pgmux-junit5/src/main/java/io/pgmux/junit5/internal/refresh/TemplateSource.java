package io.pgmux.junit5.internal.refresh;

import io.pgmux.junit5.Migration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One step that fills a template database: an SQL script, Flyway migrations, a Liquibase
 * changelog, or a {@link Migration} callback. Steps with equal values are the same template, so a
 * JVM runs them once per server.
 */
public sealed interface TemplateSource {

  /** Says what the step is, as the user declared it; it names the step in error messages. */
  String describe();

  /**
   * Runs the step against the template database. {@code connections} opens connections to it, as
   * the database's owner.
   *
   * @throws Exception the step's own failure, with the script's or tool's message
   */
  void run(Connections connections, ClassLoader loader) throws Exception;

  /** Opens connections to the template database being prepared, logged in as its owner. */
  @FunctionalInterface
  interface Connections {
    Connection open() throws SQLException;
  }

  /**
   * Reads a declaration: {@code classpath:db/schema.sql}, {@code file:schema.sql} (or a plain
   * path) for an SQL script, {@code flyway:db/migration} (locations separated by commas, as
   * Flyway writes them) or {@code liquibase:db/changelog.xml}.
   *
   * @throws IllegalArgumentException if it is blank
   */
  static TemplateSource parse(String declaration) {
    String value = Objects.requireNonNull(declaration, "declaration").trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(
          "pgmux: an empty template: name an SQL script (\"classpath:db/schema.sql\"), Flyway"
              + " locations (\"flyway:db/migration\") or a Liquibase changelog"
              + " (\"liquibase:db/changelog.xml\")");
    }
    if (value.startsWith("flyway:")) {
      String locations = value.substring("flyway:".length());
      return new Flyway(Arrays.stream(locations.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    if (value.startsWith("liquibase:")) {
      return new Liquibase(value.substring("liquibase:".length()).trim());
    }
    return new SqlScript(value);
  }

  /** An SQL script, run as one multi-statement string, so dollar-quoted bodies just work. */
  record SqlScript(String location) implements TemplateSource {
    @Override
    public String describe() {
      return location;
    }

    @Override
    public void run(Connections connections, ClassLoader loader) throws IOException, SQLException {
      String script = read(loader);
      try (Connection connection = connections.open();
          Statement statement = connection.createStatement()) {
        statement.execute(script);
      }
    }

    private String read(ClassLoader loader) throws IOException {
      if (location.startsWith("classpath:")) {
        String resource = location.substring("classpath:".length());
        resource = resource.startsWith("/") ? resource.substring(1) : resource;
        try (InputStream in = loader.getResourceAsStream(resource)) {
          if (in == null) {
            throw new IOException(
                "no resource \"" + resource + "\" on the test classpath: put the script under"
                    + " src/test/resources, or fix the name");
          }
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      Path path = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
      if (!Files.isRegularFile(path)) {
        throw new IOException(
            "no file " + path.toAbsolutePath() + ": fix the path, or use"
                + " \"classpath:...\" for a script among the test resources");
      }
      return Files.readString(path, StandardCharsets.UTF_8);
    }
  }

  /** Flyway migrations from {@code locations}; needs Flyway and its PostgreSQL module. */
  record Flyway(List<String> locations) implements TemplateSource {
    public Flyway {
      locations = List.copyOf(locations);
    }

    @Override
    public String describe() {
      return "flyway:" + String.join(",", locations);
    }

    @Override
    public void run(Connections connections, ClassLoader loader) throws Exception {
      OptionalTools.require(
          "org.flywaydb.core.Flyway", "org.flywaydb:flyway-core and org.flywaydb:flyway-database-postgresql", describe(), loader);
      FlywayRunner.migrate(connections, locations, loader);
    }
  }

  /** A Liquibase changelog, found on the classpath; needs Liquibase 4. */
  record Liquibase(String changelog) implements TemplateSource {
    @Override
    public String describe() {
      return "liquibase:" + changelog;
    }

    @Override
    public void run(Connections connections, ClassLoader loader) throws Exception {
      OptionalTools.require("liquibase.Liquibase", "org.liquibase:liquibase-core", describe(), loader);
      LiquibaseRunner.update(connections, changelog, loader);
    }
  }

  /** Code given to the builder. The same object is the same template; two lambdas are two. */
  record Callback(Migration migration) implements TemplateSource {
    public Callback {
      Objects.requireNonNull(migration, "migration");
    }

    @Override
    public String describe() {
      return "migration " + migration.getClass().getName();
    }

    @Override
    public void run(Connections connections, ClassLoader loader) throws Exception {
      try (Connection connection = connections.open()) {
        migration.migrate(connection);
      }
    }
  }
}
