package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's example is the tested ReadmeExampleIT, renamed, and ten lines long. */
class ReadmeTest {
  @Test
  void readmeExampleIsTheTestedOne() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("## JUnit 5: `@PgMux`");
    assertThat(section).as("README has the JUnit 5 section").isNotNegative();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    String example = readme.substring(start, readme.indexOf("```", start)).strip();

    String source = Files.readString(Path.of("src/test/java/io/pgmux/junit5/ReadmeExampleIT.java"));
    String tested =
        source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("// README-END")).strip();

    assertThat(example).isEqualTo(tested.replace("class ReadmeExampleIT {", "class TenantTest {"));
    assertThat(example.lines()).hasSize(10);
  }
}
