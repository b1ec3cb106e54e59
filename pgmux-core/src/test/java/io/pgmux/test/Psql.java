package io.pgmux.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code psql}; tests that use it fail, rather than skip, when it is missing. */
public final class Psql {
  private Psql() {}

  /** What psql printed and how it ended. */
  public record Result(int exitCode, String out, String err) {}

  /** Runs {@code psql "conninfo" -Atc sql} with {@code PGPASSWORD}, bounded to 30 s. */
  public static Result run(String conninfo, String password, String sql)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-At", "-d", conninfo, "-c", sql));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PGPASSWORD", password);
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "psql is not installed: apt-get install postgresql-client (.ci/run does this)", e);
    }
    process.getOutputStream().close();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("psql did not finish within 30 s: " + command);
    }
    return new Result(
        process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim());
  }
}
