package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Readme;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's examples are the tested ones: ReadmeExampleIT (renamed, and ten lines long), and
 * the journal-and-faults section's JournalReadmeExampleIT and FaultReadmeExamplesIT.
 */
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

  @Test
  void eachFaultAndAssertionExampleIsATestedOne() throws IOException {
    List<String> examples = Readme.javaExamples("## Seeing and breaking tenant traffic");
    List<String> tested =
        Readme.testedExamples(Path.of("src/test/java/io/pgmux/junit5/FaultReadmeExamplesIT.java"));

    assertThat(tested).hasSize(8); // seven fault kinds, then the assertions
    assertThat(examples.subList(1, examples.size())).containsExactlyElementsOf(tested);
    assertThat(tested).allSatisfy(example -> assertThat(example.lines()).hasSizeLessThanOrEqualTo(11));
  }
}
