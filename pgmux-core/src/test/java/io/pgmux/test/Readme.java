package io.pgmux.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  /**
   * Returns every {@code java} code block of the section under {@code heading}, up to the next
   * heading of any level, each stripped.
   */
  public static List<String> javaExamples(String heading) throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf(heading + "\n");
    if (section < 0) {
      throw new AssertionError("README.md has no section \"" + heading + "\"");
    }
    List<String> examples = new ArrayList<>();
    StringBuilder block = null;
    boolean fenced = false;
    for (String line : readme.substring(section + heading.length() + 1).split("\n", -1)) {
      if (line.startsWith("```")) {
        if (block != null) {
          examples.add(block.toString().strip());
          block = null;
        } else if (line.equals("```java")) {
          block = new StringBuilder();
        }
        fenced = !fenced;
      } else if (block != null) {
        block.append(line).append('\n');
      } else if (!fenced && line.startsWith("#")) {
        break;
      }
    }
    return examples;
  }

  /**
   * Returns each part of a test source between a {@code // README-BEGIN} and a {@code //
   * README-END} line, in order, with the indentation they share removed, stripped.
   */
  public static List<String> testedExamples(Path source) throws IOException {
    String text = Files.readString(source);
    List<String> examples = new ArrayList<>();
    for (int begin = text.indexOf(BEGIN); begin >= 0; begin = text.indexOf(BEGIN, begin + 1)) {
      int start = begin + BEGIN.length();
      String part = text.substring(start, text.indexOf(END, start));
      // Up to the END marker's line: its indentation, on a last line of its own, would count.
      examples.add(part.substring(0, part.lastIndexOf('\n')).stripIndent().strip());
    }
    return examples;
  }
}
