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
