package io.pgmux.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Python's psycopg2 (Debian: apt-get install python3-psycopg2), a client that is neither pgjdbc nor
 * the psql program. It links libpq, but drives it from another runtime.
 */
public final class Psycopg {
  private static final String SCRIPT =
      String.join(
          "\n",
          "import sys, psycopg2",
          "try:",
          "    c = psycopg2.connect(sys.argv[1])",
          "    cur = c.cursor()",
          "    cur.execute(sys.argv[2])",
          "    print(cur.fetchone()[0])",
          "    c.close()",
          "except psycopg2.Error as e:",
          "    print('ERROR', getattr(e, 'pgcode', None), str(e).strip().splitlines()[0])",
          "    sys.exit(1)");

  private Psycopg() {}

  /** Runs one query; returns the first column of the first row, or {@code ERROR <sqlstate> <message>}. */
  public static String query(String conninfo, String password, String sql)
      throws IOException, InterruptedException {
    // Debian's interpreter, which python3-psycopg2 installs into, ahead of any other on the PATH.
    String python = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    ProcessBuilder builder = new ProcessBuilder(List.of(python, "-c", SCRIPT, conninfo, sql));
    builder.environment().put("PGPASSWORD", password);
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    builder.redirectErrorStream(true);
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("python3 did not finish within 30 s");
    }
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }
}
