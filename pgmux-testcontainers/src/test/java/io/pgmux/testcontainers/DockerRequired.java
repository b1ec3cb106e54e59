package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a test class only with a Docker engine. Without one the class is skipped with the reason,
 * unless {@code PGMUX_REQUIRE_DOCKER=true} (as in CI), where it fails: a test CI needs must not
 * pass by skipping. After the class, no container of the tests may be left: Ryuk, which would
 * reap them, does not run everywhere.
 */
public final class DockerRequired implements BeforeAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    if (DockerClientFactory.instance().isDockerAvailable()) {
      // Stored first, so closed last: after other extensions (@Testcontainers) closed theirs.
      context
          .getStore(ExtensionContext.Namespace.create(DockerRequired.class))
          .put("leftovers", (AutoCloseable) () -> assertNoContainersLeft(context));
      return;
    }
    String reason = "no Docker engine found (set DOCKER_HOST, or run shared/ci/docker-env.sh)";
    if (Boolean.parseBoolean(System.getenv("PGMUX_REQUIRE_DOCKER"))) {
      throw new IllegalStateException("PGMUX_REQUIRE_DOCKER=true but " + reason);
    }
    Assumptions.abort("skipped: " + reason);
  }

  private static void assertNoContainersLeft(ExtensionContext context) {
    assertThat(
            DockerClientFactory.instance()
                .client()
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(DockerClientFactory.TESTCONTAINERS_LABEL, "true"))
                .exec()
                .stream()
                // Removed, and the engine is still deleting it: on a busy engine that takes a while.
                .filter(container -> !"removing".equals(container.getState()))
                .toList())
        .as("containers left behind by " + context.getDisplayName())
        .isEmpty();
  }
}
