package io.pgmux.internal.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.StaticRouter;
import io.pgmux.test.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesFileTest {
  private final Logger logger = Logger.getLogger("io.pgmux");
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(record.getMessage());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private boolean parentHandlers;

  @TempDir Path dir;

  @BeforeEach
  void captureWarnings() {
    parentHandlers = logger.getUseParentHandlers();
    logger.setUseParentHandlers(false); // quiet: the warnings are what the test expects
    logger.addHandler(capture);
  }

  @AfterEach
  void release() {
    logger.removeHandler(capture);
    logger.setUseParentHandlers(parentHandlers);
  }

  @Test
  void loadsTheFileWithTheFixedRoutesAndFollowsItsChanges() throws Exception {
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, "# tenants\nalice=db1:5432\n");
    Routes fixed = new Routes();
    fixed.add("admin=db0:5432");
    StaticRouter router = new StaticRouter();
    RoutesFile routesFile = new RoutesFile(file, fixed, router);

    assertThat(routesFile.load().describe()).isEqualTo("2 route(s)");
    assertThat(router.routes()).containsOnlyKeys("admin", "alice");
    assertThat(routesFile.reload()).as("unchanged file").isFalse();

    Files.writeString(file, "bob=db2:5432\n*=db3:5432\n");
    assertThat(routesFile.reload()).isTrue();
    assertThat(router.routes())
        .containsOnly(Map.entry("admin", BackendConfig.of("db0", 5432)), Map.entry("bob", BackendConfig.of("db2", 5432)));
    assertThat(router.fallback()).isEqualTo(BackendConfig.of("db3", 5432));
  }

  @Test
  void aBadLineKeepsTheRoutesInForceAndSaysWhereOnce() throws Exception {
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, "alice=db1:5432\n");
    StaticRouter router = new StaticRouter();
    RoutesFile routesFile = new RoutesFile(file, new Routes(), router);
    routesFile.load();

    Files.writeString(file, "alice=db2:5432\n\nbob=db2:port\n");
    assertThat(routesFile.reload()).isFalse();
    assertThat(routesFile.reload()).as("the same bad content again").isFalse();
    assertThat(router.routes()).containsOnly(Map.entry("alice", BackendConfig.of("db1", 5432)));
    assertThat(warnings)
        .containsExactly(
            "pgmux: routes file " + file + " line 3: route \"bob=db2:port\": port is not a number;"
                + " keeping the routes in force");

    Files.delete(file);
    assertThat(routesFile.reload()).isFalse();
    assertThat(routesFile.reload()).isFalse();
    assertThat(warnings).hasSize(2).last().asString()
        .isEqualTo("pgmux: routes file " + file + " does not exist; keeping the routes in force");
    assertThat(router.routes()).containsOnlyKeys("alice");

    Files.writeString(file, "alice=db2:5432\n");
    assertThat(routesFile.reload()).isTrue();
    assertThat(router.route(request("alice"))).isEqualTo(BackendConfig.of("db2", 5432));
  }

  @Test
  void aUserInTheFileAndOnTheCommandLineIsAnError() throws Exception {
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, "alice=db1:5432\n");
    Routes fixed = new Routes();
    fixed.add("alice=db0:5432");
    assertThatThrownBy(() -> new RoutesFile(file, fixed, new StaticRouter()).load())
        .hasMessage("routes file " + file + ": user \"alice\" has two routes (one from --route, one from the file)");
    assertThatThrownBy(() -> new RoutesFile(dir.resolve("none"), fixed, new StaticRouter()).load())
        .hasMessage("routes file " + dir.resolve("none") + " does not exist");
  }

  @Test
  void aPollAppliesAChangeOnceTheNextPollReadsTheSameContent() throws Exception {
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, "alice=db1:5432\n");
    StaticRouter router = new StaticRouter();
    RoutesFile routesFile = new RoutesFile(file, new Routes(), router);
    routesFile.load();
    Files.writeString(file, "alice=db2:5432\n"); // as if caught half written
    assertThat(routesFile.poll()).isFalse();
    Files.writeString(file, "alice=db2:5432\nbob=db2:5432\n");
    assertThat(routesFile.poll()).as("still changing").isFalse();
    assertThat(router.routes()).containsOnlyKeys("alice").containsValue(BackendConfig.of("db1", 5432));
    assertThat(routesFile.poll()).as("settled").isTrue();
    assertThat(router.routes()).containsOnlyKeys("alice", "bob");
    assertThat(routesFile.poll()).isFalse();
  }

  @Test
  void watchingAppliesAChangeWithinAFewPolls() throws Exception {
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, "alice=db1:5432\n");
    StaticRouter router = new StaticRouter();
    try (RoutesFile routesFile = new RoutesFile(file, new Routes(), router)) {
      routesFile.load();
      routesFile.watch(Duration.ofMillis(20));
      Files.writeString(file, "alice=db9:5432\n");
      Await.until("the watched file's change applied", Duration.ofSeconds(10),
          () -> BackendConfig.of("db9", 5432).equals(router.routes().get("alice")));
    }
  }

  private static io.pgmux.RouteRequest request(String user) {
    return new io.pgmux.RouteRequest(
        user, user, Map.of("user", user), new java.net.InetSocketAddress("127.0.0.1", 1), false, null);
  }
}
