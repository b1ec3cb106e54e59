package io.pgmux.testcontainers;

import io.pgmux.test.ApiListing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public API of pgmux-testcontainers, listed in {@code api/pgmux-testcontainers.api} so that
 * every change to it shows in review. After an intended change, regenerate the file with {@code
 * ./mvnw -pl pgmux-testcontainers -am test -Dtest=ApiTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpgmux.updateApi=true}.
 */
class ApiTest {
  @Test
  void publicApiMatchesTheListing() throws Exception {
    ApiListing.assertMatches(
        PgMuxContainer.class,
        List.of("io.pgmux.testcontainers"),
        Path.of("api", "pgmux-testcontainers.api"));
  }
}
