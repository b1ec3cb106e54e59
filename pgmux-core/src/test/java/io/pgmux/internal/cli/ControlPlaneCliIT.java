package io.pgmux.internal.cli;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.PrometheusText;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The executable jar with a routes file, a fallback route and metrics, as a user runs it. */
@ExtendWith(Backends.Resolver.class)
class ControlPlaneCliIT {
  private static final Pattern READY =
      Pattern.compile("pgmux: listening on .*:(\\d+) with 1 route\\(s\\) and a fallback route");
  private static final Pattern METRICS = Pattern.compile("pgmux: metrics on (http://\\S+/metrics)");
  private static final String ROLE = "cli_role_created_at_run_time";

  @Test
  void routesFileChangesReachNewSessionsOnlyAndTheFallbackAndMetricsWork(
      Backends backends, @TempDir Path dir) throws Exception {
    String current = "127.0.0.1:" + backends.current().port();
    String old = "127.0.0.1:" + backends.old().port();
    Path routes = dir.resolve("routes.conf");
    Path output = dir.resolve("pgmux.log");
    replace(routes, "# tenants\nalice=scram_user@" + current + "\n");
    Process process =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar().toString(),
                    "--listen", "127.0.0.1:0",
                    "--routes-file", routes.toString(),
                    "--route", "*=" + current,
                    "--metrics", "127.0.0.1:0"))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      Matcher metrics = METRICS.matcher(awaitLine(output, process, l -> l.startsWith("pgmux: metrics on"), 0));
      assertThat(metrics.find()).isTrue();
      Matcher ready = READY.matcher(awaitLine(output, process, l -> l.startsWith("pgmux: listening"), 0));
      assertThat(ready.find()).as(Files.readString(output)).isTrue();
      String url = "jdbc:postgresql://127.0.0.1:" + ready.group(1) + "/postgres";

      try (Connection live = connect(url, "alice")) {
        assertThat(Jdbc.queryString(live, "SELECT current_user || ' ' || current_setting('server_version_num')"))
            .startsWith("scram_user 18");

        replace(routes, "alice=clear_user@" + old + "/app\n");
        awaitLine(output, process, l -> l.contains("reloaded: 1 route(s) and a fallback route"), 0);
        try (Connection moved = connect(url, "alice")) {
          assertThat(Jdbc.queryString(moved, "SELECT current_user || ' ' || current_database() || ' '"
              + " || current_setting('server_version_num')")).startsWith("clear_user app 14");
        }
        assertThat(Jdbc.queryString(live, "SELECT current_user || ' ' || current_setting('server_version_num')"))
            .as("the live session stays where it was").startsWith("scram_user 18");

        replace(routes, "alice=scram_user@" + current + "\nbob=" + current + "x\n");
        String bad = awaitLine(output, process, l -> l.contains("keeping the routes in force"), 0);
        assertThat(bad).contains("routes file " + routes + " line 2: route \"bob=" + current + "x\": port is not a number");
        try (Connection still = connect(url, "alice")) {
          assertThat(Jdbc.queryString(still, "SELECT current_user")).isEqualTo("clear_user");
        }
      }

      backends.current().execute("DROP ROLE IF EXISTS " + ROLE, "CREATE ROLE " + ROLE + " LOGIN");
      try (Connection created = connect(url, ROLE)) {
        assertThat(Jdbc.queryString(created, "SELECT current_user")).isEqualTo(ROLE);
      }

      HttpURLConnection scrape = (HttpURLConnection) new URL(metrics.group(1)).openConnection();
      scrape.setConnectTimeout(10_000);
      scrape.setReadTimeout(10_000);
      assertThat(scrape.getResponseCode()).isEqualTo(200);
      PrometheusText text;
      try (var in = scrape.getInputStream()) {
        text = PrometheusText.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      assertThat(text.value("pgmux_sessions_total")).isEqualTo(4);

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
    } finally {
      process.destroyForcibly();
      backends.current().execute("DROP ROLE IF EXISTS " + ROLE);
    }
  }

  /** Replaces the file in one step, as a careful editor or a config system does. */
  private static void replace(Path file, String content) throws Exception {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, content);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static Connection connect(String url, String user) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", PASSWORD);
    properties.setProperty("sslmode", "disable");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("socketTimeout", "60");
    return DriverManager.getConnection(url, properties);
  }

  private static Path jar() throws Exception {
    try (var files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("pgmux-core-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("run through Maven: the jar is built in package"));
    }
  }

  /**
   * Waits, at most 30 s, for the first line after the first {@code skip} lines that match, in the
   * process output.
   */
  private static String awaitLine(Path output, Process process, Predicate<String> match, int skip)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && process.isAlive()) {
      List<String> found = Files.readAllLines(output).stream().filter(match).toList();
      if (found.size() > skip) {
        return found.get(skip);
      }
      process.waitFor(50, TimeUnit.MILLISECONDS); // bounded pause between reads of the output
    }
    throw new IllegalStateException("no such line; output: " + Files.readString(output));
  }
}
