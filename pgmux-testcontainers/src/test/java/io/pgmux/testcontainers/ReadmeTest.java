package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's Testcontainers example is the code {@link ReadmeExampleIT} runs. */
class ReadmeTest {
  @Test
  void readmeExampleIsTheTestedOne() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("## Testcontainers: `PgMuxContainer`");
    assertThat(section).as("README has the Testcontainers section").isNotNegative();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    String example = readme.substring(start, readme.indexOf("```", start)).strip();

    String source =
        Files.readString(Path.of("src/test/java/io/pgmux/testcontainers/ReadmeExampleIT.java"));
    String tested =
        source
            .substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("// README-END"))
            .lines()
            .filter(line -> !line.endsWith("// not in README"))
            .collect(Collectors.joining("\n"))
            .strip()
            // CI has no registry and passes its local images through TestImages.
            .replace("new PgMuxContainer(TestImages.jre())", "new PgMuxContainer()")
            .replace("TestImages.postgres17()", "\"postgres:17\"")
            .replace("TestImages.postgres15()", "\"postgres:15\"");

    assertThat(example).isEqualTo(tested);
  }
}
