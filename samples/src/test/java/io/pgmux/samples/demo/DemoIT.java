package io.pgmux.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo's printed psql commands work exactly as printed. */
class DemoIT {
  private static Demo demo;

  @BeforeAll
  static void startDemo() throws Exception {
    demo = Demo.start(0);
  }

  @AfterAll
  static void stopDemo() throws Exception {
    demo.close();
  }

  /** Runs a printed command through the shell, as a user pasting it would; bounded to 30 s. */
  private static String run(String command) throws Exception {
    Process process =
        new ProcessBuilder("sh", "-c", command + " -At 2>&1").redirectErrorStream(true).start();
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("psql finished").isTrue();
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }

  @Test
  void bannerShowsCommandsThatLandEachTenantOnItsServer() throws Exception {
    assertThat(demo.banner()).contains(demo.psqlCommand("alice", "disable"));
    assertThat(run(demo.psqlCommand("alice", "disable"))).startsWith("alice|");
    assertThat(run(demo.psqlCommand("bob", "require"))).startsWith("bob|");
    assertThat(run(demo.psqlCommand("carol", "prefer"))).startsWith("bob|");
    assertThat(run(demo.psqlCommand("mallory", "disable")))
        .contains("pgmux: no route for user \"mallory\"");
    assertThat(demo.proxy().stats().sessions()).isEqualTo(3);
    assertThat(demo.proxy().stats().refused()).isEqualTo(1);
  }
}
