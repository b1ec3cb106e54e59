package io.pgmux.junit5;

/**
 * When a test class's tenant databases are replaced by fresh ones, cloned from their templates
 * ({@link Route#template()}, or empty databases owned by the route's user). Whatever the mode,
 * each test class starts on databases of its own, and classes running in parallel never see each
 * other's data.
 *
 * <p>Before a refresh, connections to the old databases are refused and their sessions ended, so
 * a connection pool kept across tests must validate its connections (HikariCP does for
 * connections idle longer than half a second); the old databases are dropped in the background.
 * The JDBC URLs stay the same: with embedded servers, the fresh databases take the declared
 * names.
 */
public enum Refresh {
  /**
   * Never: the class and its {@code @Nested} classes share their databases, seeing what earlier
   * tests left. The default, as before refresh modes existed.
   */
  NEVER,

  /** Before each {@code @Nested} class that shares its enclosing class's proxy, too. */
  EACH_CLASS,

  /**
   * Before each test: every test starts on fresh clones, before its {@code @BeforeEach} methods
   * run (so data written in {@code @BeforeAll} is not seen by tests; put it in the template).
   */
  EACH_TEST
}
