package io.pgmux.junit5.internal;

import io.pgmux.junit5.BackendInit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** Reads SQL scripts named as classpath resources. */
final class Scripts {
  private Scripts() {}

  /** Returns a step that runs the script {@code name}, read now, as one statement string. */
  static BackendInit runner(String name, Class<?> testClass) {
    String sql = read(name, testClass);
    return connection -> {
      try (Statement statement = connection.createStatement()) {
        statement.execute(sql);
      }
    };
  }

  /**
   * Returns the text of the resource {@code name} (with or without a leading {@code /}), looked
   * up with the class loader of {@code testClass}.
   *
   * @throws ExtensionConfigurationException if there is no such resource
   */
  static String read(String name, Class<?> testClass) {
    String path = name.startsWith("/") ? name.substring(1) : name;
    try (InputStream in = testClass.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new ExtensionConfigurationException(
            "pgmux: init script \"" + name + "\" of " + testClass.getName() + " is not on the"
                + " classpath: put it under src/test/resources and name it from there, such as"
                + " \"/init.sql\"");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ExtensionConfigurationException(
          "pgmux: cannot read init script \"" + name + "\": " + e.getMessage(), e);
    }
  }
}
