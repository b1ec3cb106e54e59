package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import io.pgmux.spi.BackendSource;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * Turns backend values into {@link BackendConfig}s: a {@code BackendConfig} as is, anything else
 * through the {@link BackendSource}s on the classpath (pgmux-testcontainers registers one for
 * database containers), so this module needs none of their libraries.
 */
final class BackendSources {
  private final List<BackendSource> sources = new ArrayList<>();

  BackendSources(ClassLoader classLoader) {
    ServiceLoader.load(BackendSource.class, classLoader).forEach(sources::add);
  }

  /**
   * Returns the backend {@code value} stands for.
   *
   * @param where names the value's origin in messages, such as "field Foo.db"
   * @throws ExtensionConfigurationException if nothing can route to it, saying what would
   */
  BackendConfig resolve(String name, Object value, String where) {
    if (value == null) {
      throw new ExtensionConfigurationException(
          "pgmux: backend \"" + name + "\" (" + where + ") is null: assign it where it is"
              + " declared, or in a static initializer for a static field");
    }
    if (value instanceof BackendConfig config) {
      return config;
    }
    for (BackendSource source : sources) {
      BackendConfig config;
      try {
        config = source.backendFor(value);
      } catch (IllegalStateException e) {
        throw new ExtensionConfigurationException(
            "pgmux: backend \"" + name + "\" (" + where + "): "
                + String.valueOf(e.getMessage()).replaceFirst("^pgmux: ", ""),
            e);
      }
      if (config != null) {
        return config;
      }
    }
    throw new ExtensionConfigurationException(
        "pgmux: backend \"" + name + "\" (" + where + ") is a " + value.getClass().getName()
            + ", which pgMux cannot route to: use an io.pgmux.BackendConfig, or add the module"
            + " that handles this type (pgmux-testcontainers for a JdbcDatabaseContainer) to the"
            + " test classpath" + (sources.isEmpty() ? "" : " (backend sources found: " + names() + ")"));
  }

  private List<String> names() {
    return sources.stream().map(source -> source.getClass().getName()).toList();
  }
}
