package io.pgmux.junit5;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pgmux.junit5.internal.Leftovers;
import java.util.Arrays;
import java.util.Map;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** Runs fixture classes on the Jupiter engine and checks that they left nothing running. */
final class EngineKit {
  private EngineKit() {}

  static EngineExecutionResults run(Class<?>... classes) {
    return run(Map.of(), classes);
  }

  static EngineExecutionResults run(Map<String, String> configuration, Class<?>... classes) {
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .configurationParameters(configuration)
            .selectors(Arrays.stream(classes).map(c -> selectClass(c)).toArray(org.junit.platform.engine.DiscoverySelector[]::new))
            .execute();
    try {
      Leftovers.awaitEmpty(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return results;
  }
}
