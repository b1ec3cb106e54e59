package io.pgmux.junit5;

import io.pgmux.junit5.internal.Leftovers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A benchmark, not an assertion: a class with three tenants, each with the realistic schema of
 * {@code refresh/tenant-schema.sql} (30 tables, 6 000 rows). Measures, in one run: the first
 * class of a JVM (servers started, templates migrated), later classes (servers reused, clones
 * taken), the per-test refresh of the three tenants, and the same three tenants without pgMux:
 * three zonky {@code EmbeddedPostgres} started per class, and three Testcontainers {@code
 * PostgreSQLContainer}s per class when Docker is there, the schema run into each. Prints the
 * timings and writes them to target/refresh-benchmark.txt. {@code -Dpgmux.benchmark.runs=N}
 * repeats the measurements (default 3).
 */
class RefreshBenchmarkIT {
  private static final int RUNS = Integer.getInteger("pgmux.benchmark.runs", 3);
  private static final String SCHEMA = "classpath:refresh/tenant-schema.sql";
  private static final String[] USERS = {"alice", "bob", "carol"};

  static volatile long readyAt;
  static final List<Long> testStarts = Collections.synchronizedList(new ArrayList<>());
  static final List<Long> testEnds = Collections.synchronizedList(new ArrayList<>());

  @Test
  void firstClassLaterClassesAndPerTestRefreshAgainstServersPerClass() throws Exception {
    List<String> report = new ArrayList<>();
    report.add("cores: " + Runtime.getRuntime().availableProcessors() + ", load average at start: "
        + String.format(Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    Leftovers.clearTemplates();
    // A setting no other class uses: the first class must start its own servers, as in a new JVM.
    report.add(line("pgMux, first class (3 servers started, 3 templates migrated)", List.of(ready(First.class))));
    List<Long> later = new ArrayList<>();
    List<Long> refresh = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      later.add(ready(Later.class));
      for (int t = 1; t < testStarts.size(); t++) {
        refresh.add((testStarts.get(t) - testEnds.get(t - 1)) / 1_000_000);
      }
    }
    report.add(line("pgMux, later class (3 tenants cloned, first query each)", later));
    report.add(line("pgMux, per-test refresh of 3 tenants (EACH_TEST)", refresh));
    List<Long> zonky = new ArrayList<>();
    for (int i = 0; i < Math.max(1, RUNS - 1); i++) {
      zonky.add(zonkyPerClass());
    }
    report.add(line("zonky EmbeddedPostgres per class (3 servers + schema)", zonky));
    if (DockerClientFactory.instance().isDockerAvailable()) {
      List<Long> containers = new ArrayList<>();
      for (int i = 0; i < Math.max(1, RUNS - 1); i++) {
        containers.add(containersPerClass());
      }
      report.add(line("Testcontainers PostgreSQLContainer per class (3 + schema)", containers));
    } else {
      report.add("Testcontainers PostgreSQLContainer per class: skipped, no Docker engine");
    }
    report.forEach(System.out::println);
    Files.write(Path.of("target", "refresh-benchmark.txt"), report);
  }

  private static String line(String label, List<Long> millis) {
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return String.format(
        Locale.ROOT, "%-58s median %5d ms  (min %d, max %d, n %d)", label, sorted.get(sorted.size() / 2),
        sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
  }

  /** From the class's first callback, before pgMux's, to its three tenants' first answers. */
  private static long ready(Class<?> fixture) {
    testStarts.clear();
    testEnds.clear();
    EngineKit.run(fixture).testEvents().assertStatistics(stats -> stats.succeeded(4));
    return (readyAt - classStartAt) / 1_000_000;
  }

  static volatile long classStartAt;

  /** Registered before {@code @PgMux}, so its callback runs first: when the class starts. */
  static final class StartClock implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      classStartAt = System.nanoTime();
    }
  }

  /** What a class does without pgMux: three servers of its own, the schema in each. */
  private static long zonkyPerClass() throws Exception {
    String schema = schema();
    long start = System.nanoTime();
    List<CompletableFuture<EmbeddedPostgres>> servers = new ArrayList<>();
    for (int i = 0; i < USERS.length; i++) {
      servers.add(CompletableFuture.supplyAsync(() -> {
        try {
          EmbeddedPostgres server = EmbeddedPostgres.builder()
              .setRegisterShutdownHook(false)
              .setOutputRedirector(Redirect.DISCARD)
              .setErrorRedirector(Redirect.DISCARD)
              .start();
          try (Connection c = server.getPostgresDatabase().getConnection()) {
            c.createStatement().execute(schema);
          }
          return server;
        } catch (IOException | SQLException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    List<EmbeddedPostgres> started = new ArrayList<>();
    for (CompletableFuture<EmbeddedPostgres> server : servers) {
      started.add(server.join());
    }
    long ready = (System.nanoTime() - start) / 1_000_000;
    for (EmbeddedPostgres server : started) {
      server.close();
    }
    return ready;
  }

  /** The same with containers: three PostgreSQL containers, the schema in each. */
  private static long containersPerClass() throws Exception {
    String schema = schema();
    String image = System.getenv().getOrDefault("PGMUX_CI_POSTGRES17_IMAGE", "postgres:17");
    long start = System.nanoTime();
    List<CompletableFuture<PostgreSQLContainer>> containers = new ArrayList<>();
    for (int i = 0; i < USERS.length; i++) {
      containers.add(CompletableFuture.supplyAsync(() -> {
        PostgreSQLContainer container =
            new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
        container.start();
        try (Connection c = DriverManager.getConnection(container.getJdbcUrl(), container.getUsername(), container.getPassword())) {
          c.createStatement().execute(schema);
        } catch (SQLException e) {
          container.stop();
          throw new IllegalStateException(e);
        }
        return container;
      }));
    }
    List<PostgreSQLContainer> started = new ArrayList<>();
    for (CompletableFuture<PostgreSQLContainer> container : containers) {
      started.add(container.join());
    }
    long ready = (System.nanoTime() - start) / 1_000_000;
    started.forEach(PostgreSQLContainer::stop);
    return ready;
  }

  private static String schema() throws IOException {
    try (var in = RefreshBenchmarkIT.class.getResourceAsStream("/refresh/tenant-schema.sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  abstract static class ThreeTenants {
    @BeforeAll
    static void firstQueries(PgMuxProxy mux) throws SQLException {
      for (String user : USERS) {
        try (Connection c = DriverManager.getConnection(mux.jdbcUrl(user))) {
          c.createStatement().execute("SELECT count(*) FROM customer");
        }
      }
      readyAt = System.nanoTime();
    }

    @Test
    void one(PgMuxProxy mux) throws SQLException {
      write(mux);
    }

    @Test
    void two(PgMuxProxy mux) throws SQLException {
      write(mux);
    }

    @Test
    void three(PgMuxProxy mux) throws SQLException {
      write(mux);
    }

    @Test
    void four(PgMuxProxy mux) throws SQLException {
      write(mux);
    }

    private static void write(PgMuxProxy mux) throws SQLException {
      testStarts.add(System.nanoTime());
      for (String user : USERS) {
        try (Connection c = DriverManager.getConnection(mux.jdbcUrl(user))) {
          c.createStatement().execute("DELETE FROM entity_29 WHERE id < 10");
        }
      }
    }

    @AfterEach
    void ended() {
      testEnds.add(System.nanoTime());
    }
  }

  @ExtendWith(StartClock.class)
  @PgMux(
      refresh = Refresh.EACH_TEST,
      serverConfig = "work_mem=4100kB",
      routes = {
        @Route(user = "alice", backend = "tenant_a", template = SCHEMA),
        @Route(user = "bob", backend = "tenant_b", template = SCHEMA),
        @Route(user = "carol", backend = "tenant_c", template = SCHEMA)
      })
  static class First extends ThreeTenants {}

  @ExtendWith(StartClock.class)
  @PgMux(
      refresh = Refresh.EACH_TEST,
      serverConfig = "work_mem=4100kB",
      routes = {
        @Route(user = "alice", backend = "tenant_a", template = SCHEMA),
        @Route(user = "bob", backend = "tenant_b", template = SCHEMA),
        @Route(user = "carol", backend = "tenant_c", template = SCHEMA)
      })
  static class Later extends ThreeTenants {}
}
