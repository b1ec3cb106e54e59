package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.pgmux.BackendConfig;
import io.pgmux.junit5.internal.Leftovers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension's lifecycle, run through JUnit's engine test kit: events, failures, cleanup. */
class LifecycleIT {
  /** A server outside pgMux's control, for backends given as addresses. */
  static EmbeddedPostgres external;

  @BeforeAll
  static void startExternalServer() throws Exception {
    external = EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
  }

  @AfterAll
  static void stopExternalServer() throws Exception {
    external.close();
  }

  static BackendConfig externalBackend() {
    return BackendConfig.of("127.0.0.1", external.getPort());
  }

  @Test
  void aFailingTestFailsAloneAndEverythingIsStoppedAfterTheClass() {
    OneTestFails.directories.clear();
    // Servers kept for later classes outlive the class by design (RefreshIT covers them).
    System.setProperty("pgmux.junit5.shareServers", "false");
    try {
      EngineKit.run(OneTestFails.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
    } finally {
      System.clearProperty("pgmux.junit5.shareServers");
    }
    assertThat(OneTestFails.directories).containsKey("tenant_a");
    assertThat(OneTestFails.directories.values()).allSatisfy(dir -> assertThat(dir).doesNotExist());
  }

  @Test
  void aFailingBeforeAllStillStopsTheServers() {
    EngineKit.run(FailingBeforeAll.class).allEvents().assertThatEvents()
        .haveExactly(
            1,
            event(
                container(FailingBeforeAll.class),
                finishedWithFailure(message("setup failed"))));
  }

  @Test
  void parallelClassesEachGetTheirOwnProxy() {
    ParallelA.ports.clear();
    EngineKit.run(
            Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"),
            ParallelA.class,
            ParallelB.class)
        .testEvents()
        .assertStatistics(stats -> stats.started(2).succeeded(2));
    // Both waited at the barrier, so both proxies and servers were up at the same time.
    assertThat(ParallelA.ports).hasSize(2);
    assertThat(ParallelA.ports.get("A")).isNotEqualTo(ParallelA.ports.get("B"));
  }

  @Test
  void worksAsAMetaAnnotationAndWhenInherited() {
    EngineKit.run(MetaAnnotated.class, Inheriting.class)
        .testEvents()
        .assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void injectsIntoConstructorsWithAPerClassLifecycleAndReadsInstanceBackendFields() {
    EngineKit.run(PerClassLifecycle.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void aNestedClassWithItsOwnAnnotationGetsItsOwnProxy() {
    EngineKit.run(OuterWithOwnNested.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void resolvesOnlyParametersOfExactlyItsType() {
    EngineKit.run(WrongParameterType.class)
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("wantsObject"),
                finishedWithFailure(
                    instanceOf(ParameterResolutionException.class),
                    message(m -> m.contains("No ParameterResolver registered")))));
  }

  @Test
  void programmaticExtensionWithBuilderAndFieldBackends() {
    EngineKit.run(Programmatic.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
  }

  @Test
  void backendSourcesFromTheClasspathTurnOtherTypesIntoBackends() {
    EngineKit.run(ContainerBackend.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
  }

  @Test
  void aBackendSourceRefusingAValueFailsTheClassWithItsMessage() {
    EngineKit.run(StoppedContainerBackend.class)
        .allEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                container(StoppedContainerBackend.class),
                finishedWithFailure(
                    message(
                        "pgmux: backend \"db\" (field StoppedContainerBackend.db): the container is"
                            + " not running: start it before the proxy"))));
  }

  @Test
  void programmaticExtensionInAnInstanceFieldGivesEachTestAProxy() {
    PerTestProxy.ports.clear();
    EngineKit.run(PerTestProxy.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    assertThat(PerTestProxy.ports).hasSize(2).doesNotHaveDuplicates();
  }

  static String single(String url, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        ResultSet rows = connection.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  // Fixtures, run only through the test kit.

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class OneTestFails {
    static final Map<String, Path> directories = new ConcurrentHashMap<>();

    @BeforeAll
    static void remember(PgMuxProxy mux) {
      directories.putAll(Leftovers.embeddedDirectories(mux));
      directories.values().forEach(dir -> assertThat(Files.isDirectory(dir)).isTrue());
    }

    @Test
    void passes(PgMuxProxy mux) throws SQLException {
      assertThat(single(mux.jdbcUrl("alice"), "SELECT current_user")).isEqualTo("alice");
    }

    @Test
    void fails() {
      throw new AssertionError("this test fails on purpose");
    }
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class FailingBeforeAll {
    @BeforeAll
    static void explode(PgMuxProxy mux) {
      assertThat(mux.port()).isPositive();
      throw new IllegalStateException("setup failed");
    }

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class ParallelA {
    static final Map<String, Integer> ports = new ConcurrentHashMap<>();
    static final CyclicBarrier bothRunning = new CyclicBarrier(2);

    @Test
    void runs(PgMuxProxy mux) throws Exception {
      ports.put("A", mux.port());
      bothRunning.await(120, TimeUnit.SECONDS);
      assertThat(single(mux.jdbcUrl("alice"), "SELECT current_user")).isEqualTo("alice");
    }
  }

  @PgMux(routes = @Route(user = "bob", backend = "tenant_b"))
  static class ParallelB {
    @Test
    void runs(PgMuxProxy mux) throws Exception {
      ParallelA.ports.put("B", mux.port());
      ParallelA.bothRunning.await(120, TimeUnit.SECONDS);
      assertThat(single(mux.jdbcUrl("bob"), "SELECT current_user")).isEqualTo("bob");
    }
  }

  @Retention(RetentionPolicy.RUNTIME)
  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  @interface AliceTenant {}

  @AliceTenant
  static class MetaAnnotated {
    @Test
    void connects(PgMuxProxy mux) throws SQLException {
      assertThat(single(mux.jdbcUrl("alice"), "SELECT current_user")).isEqualTo("alice");
    }
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  abstract static class AnnotatedBase {}

  static class Inheriting extends AnnotatedBase {
    @Test
    void connects(PgMuxProxy mux) throws SQLException {
      assertThat(single(mux.jdbcUrl("alice"), "SELECT current_user")).isEqualTo("alice");
    }
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @PgMux(routes = @Route(user = "carol", backend = "outside", backendUser = "postgres", database = "postgres"))
  static class PerClassLifecycle {
    final PgMuxProxy mux;

    @PgMuxBackend("outside")
    BackendConfig outside = externalBackend();

    PerClassLifecycle(PgMuxProxy mux) {
      this.mux = mux;
    }

    @Test
    void first() throws SQLException {
      assertThat(single(mux.jdbcUrl("carol"), "SELECT current_user")).isEqualTo("postgres");
      assertThat(mux.backend("outside").port()).isEqualTo(external.getPort());
    }

    @Test
    void second(PgMuxProxy injected) {
      assertThat(injected).isSameAs(mux);
    }
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class OuterWithOwnNested {
    static PgMuxProxy outer;

    @BeforeAll
    static void remember(PgMuxProxy mux) {
      outer = mux;
    }

    @Test
    void outerRoutes(PgMuxProxy mux) {
      assertThat(mux.routes()).containsOnlyKeys("alice");
    }

    @org.junit.jupiter.api.Nested
    @PgMux(routes = @Route(user = "bob", backend = "tenant_b"))
    class OwnProxy {
      @Test
      void innerRoutes(PgMuxProxy mux) throws SQLException {
        assertThat(mux).isNotSameAs(outer);
        assertThat(mux.routes()).containsOnlyKeys("bob");
        assertThat(single(mux.jdbcUrl("bob"), "SELECT current_user")).isEqualTo("bob");
      }
    }
  }

  static class WrongParameterType {
    @RegisterExtension
    static PgMuxExtension mux = PgMuxExtension.builder().build();

    @Test
    void wantsObject(Object proxy) {}
  }

  static class Programmatic {
    @RegisterExtension
    static PgMuxExtension mux =
        PgMuxExtension.builder()
            .route("alice", "tenant_a")
            .route("bob", "given", "postgres", "postgres")
            .route("carol", "field", "postgres", null)
            .backend("given", externalBackend())
            .build();

    @PgMuxBackend("field")
    static BackendConfig field = externalBackend().withDatabase("template1");

    @Test
    void routesToEveryKindOfBackend(PgMuxProxy proxy) throws SQLException {
      assertThat(mux.proxy()).isSameAs(proxy);
      assertThat(single(proxy.jdbcUrl("alice"), "SELECT current_user")).isEqualTo("alice");
      assertThat(single(proxy.jdbcUrl("bob"), "SELECT current_database()")).isEqualTo("postgres");
      assertThat(single(proxy.jdbcUrl("carol"), "SELECT current_database()")).isEqualTo("template1");
      assertThat(proxy.sessions("given")).extracting(s -> s.user()).contains("bob", "carol");
      assertThat(proxy.sessions("tenant_a")).extracting(s -> s.user()).containsExactly("alice");
    }
  }

  @PgMux(routes = @Route(user = "dave", backend = "db"))
  static class ContainerBackend {
    @PgMuxBackend("db")
    static FakeContainerSource.FakeContainer db = new FakeContainerSource.FakeContainer(true, external.getPort());

    @Test
    void routesToWhatTheSourceSays(PgMuxProxy mux) throws SQLException {
      assertThat(single(mux.jdbcUrl("dave"), "SELECT current_user || '/' || current_database()"))
          .isEqualTo("postgres/template1");
      assertThat(mux.jdbcUrl("dave")).contains("/template1?");
    }
  }

  @PgMux(routes = @Route(user = "dave", backend = "db"))
  static class StoppedContainerBackend {
    @PgMuxBackend("db")
    static FakeContainerSource.FakeContainer db = new FakeContainerSource.FakeContainer(false, 1);

    @Test
    void never() {}
  }

  static class PerTestProxy {
    static final List<Integer> ports = new CopyOnWriteArrayList<>();

    @RegisterExtension
    PgMuxExtension mux =
        PgMuxExtension.builder().route("bob", "given", "postgres", "postgres").backend("given", externalBackend()).build();

    @Test
    void one(PgMuxProxy proxy) throws SQLException {
      ports.add(proxy.port());
      assertThat(single(proxy.jdbcUrl("bob"), "SELECT current_user")).isEqualTo("postgres");
    }

    @Test
    void two(PgMuxProxy proxy) {
      ports.add(proxy.port());
    }
  }
}
