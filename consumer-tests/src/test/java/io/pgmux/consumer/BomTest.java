package io.pgmux.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** pgmux-bom manages every module this build publishes, and nothing else. */
class BomTest {
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");

  @Test
  void managesEveryPublishedModuleAndNothingElse() throws IOException {
    List<String> published =
        matches(MODULE, Files.readString(Path.of("../pom.xml"))).stream()
            .filter(module -> !module.equals("pgmux-bom"))
            .map(module -> Path.of("..", module, "pom.xml"))
            .filter(BomTest::isPublished)
            .map(BomTest::artifactId)
            .toList();
    String bom = Files.readString(Path.of("../pgmux-bom/pom.xml"));
    String managed = bom.substring(bom.indexOf("<dependencyManagement>"), bom.indexOf("</dependencyManagement>"));

    assertThat(published).containsExactlyInAnyOrder("pgmux-core", "pgmux-junit5", "pgmux-testcontainers");
    assertThat(matches(ARTIFACT, managed)).containsExactlyInAnyOrderElementsOf(published);
  }

  private static boolean isPublished(Path pom) {
    return !read(pom).contains("<maven.deploy.skip>true</maven.deploy.skip>");
  }

  /** The module's own artifactId: the first one after its parent's. */
  private static String artifactId(Path pom) {
    String text = read(pom);
    return matches(ARTIFACT, text.substring(text.indexOf("</parent>"))).get(0);
  }

  private static List<String> matches(Pattern pattern, String text) {
    return pattern.matcher(text).results().map(result -> result.group(1)).toList();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
