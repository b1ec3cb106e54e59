package io.pgmux.internal.cli;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.Psql;
import io.pgmux.test.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The executable jar, as a user runs it: routes psql clients and stops cleanly on SIGTERM. */
@ExtendWith(Backends.Resolver.class)
class CliIT {
  private static final Pattern READY = Pattern.compile("pgmux: listening on .*:(\\d+) with 2 route\\(s\\)");

  @Test
  void executableJarRoutesPsqlAndStopsOnSigterm(Backends backends, @TempDir Path dir) throws Exception {
    Path output = dir.resolve("pgmux.log");
    Path jar = Files.list(Path.of("target"))
        .filter(p -> p.getFileName().toString().matches("pgmux-core-[^-]+(-SNAPSHOT)?\\.jar"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("run through Maven: the jar is built in package"));
    Process process =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString(),
                    "--listen", "127.0.0.1:0",
                    "--listen-unix", dir.toString(),
                    "--route", "alice=scram_user@127.0.0.1:" + backends.current().port(),
                    "--route", "bob=clear_user@127.0.0.1:" + backends.old().port() + "/app",
                    "--tls-cert", TestTls.file("rsa.crt").toString(),
                    "--tls-key", TestTls.file("rsa-pkcs1.key").toString()))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      String line = awaitReadyLine(output, process);
      Matcher ready = READY.matcher(line);
      assertThat(ready.find()).as(line).isTrue();
      int port = Integer.parseInt(ready.group(1));

      Psql.Result alice =
          Psql.run("host=127.0.0.1 port=" + port + " user=alice dbname=postgres sslmode=require",
              PASSWORD, "SELECT current_user || ' ' || current_setting('server_version_num')");
      assertThat(alice.out()).startsWith("scram_user 18");
      Psql.Result bob =
          Psql.run("host=127.0.0.1 port=" + port + " user=bob dbname=postgres sslmode=disable",
              PASSWORD, "SELECT current_user || ' ' || current_database()");
      assertThat(bob.out()).isEqualTo("clear_user app");
      Path socket = dir.resolve(".s.PGSQL." + port);
      assertThat(Files.readString(output)).contains("pgmux: Unix-domain socket " + socket);
      Psql.Result local =
          Psql.run("host=" + dir + " port=" + port + " user=bob dbname=postgres",
              PASSWORD, "SELECT current_user || ' ' || current_database()");
      assertThat(local.out()).as(local.err()).isEqualTo("clear_user app");

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
      assertThat(Files.exists(socket)).as("socket file removed on stop").isFalse();
      String log = Files.readString(output);
      assertThat(log).contains("\"alice\"@").contains("-> 127.0.0.1:" + backends.current().port());
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void routeOptionsTurnOnProxySideAuthentication(Backends backends, @TempDir Path dir) throws Exception {
    Path output = dir.resolve("pgmux.log");
    Path backendPassword = Files.writeString(dir.resolve("backend.pw"), PASSWORD + "\n");
    Path jar = Files.list(Path.of("target"))
        .filter(p -> p.getFileName().toString().matches("pgmux-core-[^-]+(-SNAPSHOT)?\\.jar"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("run through Maven: the jar is built in package"));
    int backend = backends.current().port();
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString(),
                    "--listen", "127.0.0.1:0",
                    "--route", "carol=md5_user@127.0.0.1:" + backend
                        + "?auth=md5&auth_password_env=PGMUX_TEST_CLIENT_PW&password_file=" + backendPassword,
                    "--route", "dave=scram_user@127.0.0.1:" + backend
                        + "?sslmode=prefer&auth=scram-sha-256&auth_password_env=PGMUX_TEST_CLIENT_PW"
                        + "&password_file=" + backendPassword))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().put("PGMUX_TEST_CLIENT_PW", "cli-client-secret");
    Process process = builder.start();
    try {
      Matcher ready = Pattern.compile("listening on .*:(\\d+) with").matcher(awaitReadyLine(output, process));
      assertThat(ready.find()).isTrue();
      int port = Integer.parseInt(ready.group(1));
      // MD5 with a rewritten user: the proxy checks carol's hash, then logs in as md5_user.
      Psql.Result carol =
          Psql.run("host=127.0.0.1 port=" + port + " user=carol dbname=postgres", "cli-client-secret",
              "SELECT current_user");
      assertThat(carol.out()).as(carol.err()).isEqualTo("md5_user");
      Psql.Result dave =
          Psql.run("host=127.0.0.1 port=" + port + " user=dave dbname=postgres", "cli-client-secret",
              "SELECT current_user");
      assertThat(dave.out()).as(dave.err()).isEqualTo("scram_user");
      Psql.Result wrong =
          Psql.run("host=127.0.0.1 port=" + port + " user=dave dbname=postgres", PASSWORD, "SELECT 1");
      assertThat(wrong.err()).contains("pgmux: password authentication failed for user \"dave\"");
      process.destroy();
      assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(output)).doesNotContain("cli-client-secret").doesNotContain(PASSWORD);
    } finally {
      process.destroyForcibly();
    }
  }

  /** Waits, at most 30 s, for the ready line in the process output. */
  private static String awaitReadyLine(Path output, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && process.isAlive()) {
      for (String line : Files.readAllLines(output)) {
        if (line.startsWith("pgmux: listening")) {
          return line;
        }
      }
      process.waitFor(50, TimeUnit.MILLISECONDS); // bounded pause while the JVM starts
    }
    throw new IllegalStateException("no ready line; output: " + Files.readString(output));
  }
}
