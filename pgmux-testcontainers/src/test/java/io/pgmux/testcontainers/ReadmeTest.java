package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Readme;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's Testcontainers example is the code {@link ReadmeExampleIT} runs. */
class ReadmeTest {
  @Test
  void readmeExampleIsTheTestedOne() throws IOException {
    String example = Readme.javaExample("## Testcontainers: `PgMuxContainer`");
    String tested =
        Readme.testedExample(Path.of("src/test/java/io/pgmux/testcontainers/ReadmeExampleIT.java"))
            .lines()
            .filter(line -> !line.endsWith("// not in README"))
            .collect(Collectors.joining("\n"))
            // CI has no registry and passes its local images through TestImages.
            .replace("new PgMuxContainer(TestImages.jre())", "new PgMuxContainer()")
            .replace("TestImages.postgres17()", "\"postgres:17\"")
            .replace("TestImages.postgres15()", "\"postgres:15\"");

    assertThat(example).isEqualTo(tested);
  }

  @Test
  void readmeRunTimeExampleIsTheTestedOne() throws IOException {
    assertThat(Readme.javaExample("### At run time: routes, sessions, journal, faults"))
        .isEqualTo(Readme.testedExample(Path.of("src/test/java/io/pgmux/testcontainers/ConsoleContainerIT.java")));
  }
}
