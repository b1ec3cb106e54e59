package io.pgmux;

import io.pgmux.test.ApiListing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public API of pgmux-core, listed in {@code api/pgmux-core.api} so that every change to it
 * shows in review. After an intended change, regenerate the file with {@code ./mvnw -pl
 * pgmux-core test -Dtest=ApiSurfaceTest -Dpgmux.updateApi=true}.
 */
class ApiSurfaceTest {
  @Test
  void publicApiMatchesTheListing() throws Exception {
    ApiListing.assertMatches(
        ProxyServer.class, List.of("io.pgmux", "io.pgmux.spi"), Path.of("api", "pgmux-core.api"));
  }
}
