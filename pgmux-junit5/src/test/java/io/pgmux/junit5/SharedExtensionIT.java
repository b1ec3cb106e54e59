package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One {@link PgMuxExtension} instance shared by classes running in parallel: {@code proxy()}
 * returns each class its own proxy, in {@code @BeforeAll} methods and in tests.
 */
class SharedExtensionIT {
  /** Shared by the three fixture classes, as a project's common test setup would be. */
  static final PgMuxExtension SHARED =
      PgMuxExtension.builder()
          .route("alice", "db")
          .backend("db", BackendConfig.of("127.0.0.1", 1)) // never connected to
          .build();

  /** Holds the three classes' @BeforeAll until all have started, so they surely overlap. */
  static final CyclicBarrier ALL_STARTED = new CyclicBarrier(3);

  static final Set<Integer> PORTS = ConcurrentHashMap.newKeySet();

  @Test
  void eachParallelClassGetsItsOwnProxyFromProxy() {
    PORTS.clear();
    EngineKit.run(
            Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "same_thread",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "3"),
            ClassA.class,
            ClassB.class,
            ClassC.class)
        .testEvents()
        .assertStatistics(stats -> stats.started(15).succeeded(15));
    assertThat(PORTS).hasSize(3);
  }

  abstract static class SharingClass {
    @RegisterExtension static PgMuxExtension mux = SHARED;

    @BeforeAll
    static void allThreeRun(PgMuxProxy injected) throws Exception {
      ALL_STARTED.await(30, TimeUnit.SECONDS);
      assertThat(mux.proxy()).isSameAs(injected);
      PORTS.add(injected.port());
    }

    @RepeatedTest(5)
    void proxyIsThisClasssProxy(PgMuxProxy injected) {
      assertThat(mux.proxy()).isSameAs(injected);
    }
  }

  static class ClassA extends SharingClass {}

  static class ClassB extends SharingClass {}

  static class ClassC extends SharingClass {}
}
