package io.pgmux.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's README.md, read from a module directory, and the examples it shows: tests check
 * that each example is the code a test runs.
 */
public final class Readme {
  private static final String BEGIN = "// README-BEGIN\n";
  private static final String END = "// README-END";

  private Readme() {}

  /** Returns the first {@code java} code block after {@code heading}, stripped. */
  public static String javaExample(String heading) throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf(heading);
    if (section < 0) {
      throw new AssertionError("README.md has no section \"" + heading + "\"");
    }
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    return readme.substring(start, readme.indexOf("```", start)).strip();
  }

  /**
   * Returns the lines of a test source between {@code // README-BEGIN} and {@code // README-END},
   * stripped.
   */
  public static String testedExample(Path source) throws IOException {
    String text = Files.readString(source);
    return text.substring(text.indexOf(BEGIN) + BEGIN.length(), text.indexOf(END)).strip();
  }
}
