package io.pgmux.junit5.internal.refresh;

/** Checks that an optional migration tool is on the classpath before its adapter is loaded. */
final class OptionalTools {
  private OptionalTools() {}

  static void require(String className, String artifacts, String step, ClassLoader loader) {
    try {
      Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(
          "pgmux: template \"" + step + "\" needs " + artifacts + " on the test classpath: add"
              + " them as test dependencies", e);
    }
  }
}
