package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Readme;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's example is the tested ReadmeExampleIT, renamed, and ten lines long. */
class ReadmeTest {
  @Test
  void readmeExampleIsTheTestedOne() throws IOException {
    String example = Readme.javaExample("## JUnit 5: `@PgMux`");
    String tested =
        Readme.testedExample(Path.of("src/test/java/io/pgmux/junit5/ReadmeExampleIT.java"));

    assertThat(example).isEqualTo(tested.replace("class ReadmeExampleIT {", "class TenantTest {"));
    assertThat(example.lines()).hasSize(10);
  }

  @Test
  void journalExampleIsTheTestedOne() throws IOException {
    String example = Readme.javaExample("## Seeing and breaking tenant traffic");
    String tested =
        Readme.testedExample(Path.of("src/test/java/io/pgmux/junit5/JournalReadmeExampleIT.java"));

    assertThat(example).isEqualTo(tested.replace("class JournalReadmeExampleIT {", "class RetryTest {"));
  }
}
