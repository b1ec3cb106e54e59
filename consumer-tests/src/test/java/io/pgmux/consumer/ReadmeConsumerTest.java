package io.pgmux.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Readme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's examples, with their imports, are the sources the consumer project compiles
 * (src/it/consumer), so what users paste is what that project builds against the installed
 * artifacts.
 */
class ReadmeConsumerTest {
  private static final Path CONSUMER_TESTS = Path.of("src/it/consumer/src/test/java");

  @Test
  void junitExampleWithItsImportsIsTheConsumersTest() throws IOException {
    String imports = Readme.javaExample("with these imports, and `io.pgmux:pgmux-junit5`");
    String example = Readme.javaExample("## JUnit 5: `@PgMux`");

    assertThat(Files.readString(CONSUMER_TESTS.resolve("TenantTest.java")))
        .isEqualTo(imports + "\n\n" + example + "\n");
  }

  @Test
  void testcontainersExampleWithItsImportsIsWhatTheConsumerCompiles() throws IOException {
    Path source = CONSUMER_TESTS.resolve("ContainerExample.java");
    String imports = Readme.javaExample("in a test method that `throws SQLException`, with these imports");

    assertThat(Readme.testedExample(source))
        .isEqualTo(Readme.javaExample("## Testcontainers: `PgMuxContainer`"));
    assertThat(Files.readString(source)).startsWith(imports + "\n\n");
  }

  @Test
  void springBootRecipeIsTheSamplesTest() throws IOException {
    assertThat(
            Readme.testedExample(
                Path.of("../samples/spring-boot/src/test/java/io/pgmux/samples/spring/InvoicesPgMuxIT.java")))
        .isEqualTo(Readme.javaExample("## Spring Boot"));
  }
}
