package io.pgmux.junit5;

import io.pgmux.junit5.internal.Leftovers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not an assertion: how long a class with three embedded backends takes from the
 * start of its run to its first query through the proxy, with and without the initdb template.
 * Prints the timings and writes them to target/startup-benchmark.txt.
 */
class StartupBenchmarkIT {
  /** Runs per variant; the build does one, -Dpgmux.benchmark.runs=5 gives steadier numbers. */
  private static final int RUNS = Integer.getInteger("pgmux.benchmark.runs", 1);
  static volatile long firstQueryAt;

  @Test
  void timeToFirstQueryWithThreeEmbeddedBackends() throws IOException {
    String property = "pgmux.junit5.template";
    List<String> report = new ArrayList<>();
    report.add("cores: " + Runtime.getRuntime().availableProcessors());
    // Servers started per class, as this benchmark measures starting them; RefreshBenchmarkIT
    // measures servers kept for the JVM.
    System.setProperty("pgmux.junit5.shareServers", "false");
    time(); // warm-up: unpacks the binaries, loads classes; not counted
    try {
      System.setProperty(property, "false");
      report.add(summary("no template (initdb per server)", RUNS, false));
      System.clearProperty(property);
      report.add(summary("template, cold (first class of the JVM runs initdb once)", RUNS, true));
      report.add(summary("template, warm (a later class copies it)", RUNS, false));
    } finally {
      System.clearProperty(property);
      System.clearProperty("pgmux.junit5.shareServers");
    }
    report.forEach(System.out::println);
    Files.write(Path.of("target", "startup-benchmark.txt"), report);
  }

  private static String summary(String label, int runs, boolean clearTemplateFirst) {
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      if (clearTemplateFirst) {
        Leftovers.clearTemplates();
      }
      millis.add(time());
    }
    Collections.sort(millis);
    return String.format(
        Locale.ROOT, "%-58s median %5d ms  (min %d, max %d, runs %s)", label, millis.get(runs / 2),
        millis.get(0), millis.get(runs - 1), millis);
  }

  private static long time() {
    long start = System.nanoTime();
    EngineKit.run(ThreeBackends.class).testEvents().assertStatistics(stats -> stats.succeeded(1));
    return (firstQueryAt - start) / 1_000_000;
  }

  @PgMux(
      routes = {
        @Route(user = "alice", backend = "tenant_a"),
        @Route(user = "bob", backend = "tenant_b"),
        @Route(user = "carol", backend = "tenant_c")
      })
  static class ThreeBackends {
    @BeforeAll
    static void firstQuery(PgMuxProxy mux) throws SQLException {
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
        alice.createStatement().execute("SELECT 1");
      }
      firstQueryAt = System.nanoTime();
    }

    @Test
    void runs() {}
  }
}
