package io.pgmux.junit5.internal;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps pgMux quiet in tests: the core logs a line per session at INFO, which JUL's default
 * console handler prints to stderr for every connection a test makes.
 */
final class Logging {
  /** Held, because JUL keeps loggers weakly and a collected one forgets its level. */
  private static Logger pgmux;

  private Logging() {}

  /**
   * Sets the JUL logger {@code io.pgmux} to WARNING, unless the project configures logging (a
   * JUL configuration file or class, or a level for that logger). With another System.Logger
   * backend (SLF4J, Log4j), that backend's configuration decides, and this changes nothing.
   */
  static synchronized void quietByDefault() {
    if (pgmux != null
        || System.getProperty("java.util.logging.config.file") != null
        || System.getProperty("java.util.logging.config.class") != null) {
      return;
    }
    Logger logger = Logger.getLogger("io.pgmux");
    if (logger.getLevel() == null) {
      logger.setLevel(Level.WARNING);
    }
    pgmux = logger;
  }
}
