package io.pgmux.junit5;

import io.pgmux.test.ApiListing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public API of pgmux-junit5, listed in {@code api/pgmux-junit5.api} so that every change to
 * it shows in review. After an intended change, regenerate the file with {@code ./mvnw -pl
 * pgmux-junit5 -am test -Dtest=ApiTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpgmux.updateApi=true}.
 */
class ApiTest {
  @Test
  void publicApiMatchesTheListing() throws Exception {
    ApiListing.assertMatches(
        PgMux.class, List.of("io.pgmux.junit5"), Path.of("api", "pgmux-junit5.api"));
  }
}
