package io.pgmux.junit5;

import io.pgmux.BackendConfig;
import io.pgmux.Faults;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.StatementJournal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The running proxy of a {@link PgMux @PgMux} or {@link PgMuxExtension} test class: where to
 * connect, what it carried, and its routes, which tests may change.
 *
 * <p>JUnit injects it into constructors, {@code @BeforeAll}/{@code @BeforeEach} methods and tests
 * that declare a parameter of exactly this type, in classes annotated with {@link PgMux @PgMux}
 * or registering a {@link PgMuxExtension} (elsewhere JUnit reports that no ParameterResolver is
 * registered for it: add one of those). The handle is valid while its class runs; after the
 * class, its proxy is closed and its databases dropped (embedded servers wait for the next class
 * of the JVM). All methods are thread-safe.
 *
 * <p><b>Per test.</b> Route changes a test makes ({@link #route}, {@link #removeRoute}) are undone
 * after it, and {@link #sessions()} shows the current test's sessions. Tests of one class that
 * run concurrently share one proxy, so they see each other's changes and sessions.
 *
 * <p>Implemented by pgMux only; not meant to be implemented or mocked.
 */
public interface PgMuxProxy {

  /** Returns the host the proxy listens on, {@code 127.0.0.1}. */
  String host();

  /** Returns the port the proxy listens on, an ephemeral one chosen when it started. */
  int port();

  /**
   * Returns a JDBC URL that logs in through the proxy as {@code user}, to the database the user's
   * route names, else to the database named after the user the backend sees (PostgreSQL's
   * default, and the one {@code @PgMux} creates in embedded servers). The URL carries the user,
   * so {@code DriverManager.getConnection(mux.jdbcUrl("alice"))} works with embedded backends,
   * which need no password.
   *
   * @throws IllegalArgumentException if {@code user} has no route now
   */
  String jdbcUrl(String user);

  /**
   * Returns a JDBC URL that logs in through the proxy as {@code user} asking for {@code database}
   * (which a route with a {@code database} replaces on the way to the backend).
   */
  String jdbcUrl(String user, String database);

  /**
   * Returns a {@link DataSource} that opens a new connection through the proxy as {@code user}
   * on each call, to {@link #jdbcUrl(String) jdbcUrl(user)}; no pool. It needs a JDBC driver for
   * PostgreSQL (pgjdbc) on the classpath.
   *
   * @throws IllegalArgumentException if {@code user} has no route now
   */
  DataSource dataSource(String user);

  /**
   * Returns a JDBC URL that reaches the backend named {@code name} directly, without the proxy,
   * for setup that must bypass it. For an embedded server it logs in as the superuser {@code
   * postgres} (no password: local logins are trusted) to the database {@code postgres}; for
   * other backends it names the host, port and, if their {@code BackendConfig} has them, the
   * database and user (add the password yourself).
   *
   * @throws IllegalArgumentException if no backend has that name
   */
  String backendJdbcUrl(String name);

  /**
   * Returns where the backend named {@code name} is, as routes use it before their rewrites, to
   * reach it directly, without the proxy.
   *
   * @throws IllegalArgumentException if no backend has that name (or an instance-field backend
   *     has not been read yet)
   */
  BackendConfig backend(String name);

  /** Returns the backends by name: embedded servers and backend fields read so far. */
  Map<String, BackendConfig> backends();

  /** Returns the current routes, keyed by client user, with their rewrites. */
  Map<String, BackendConfig> routes();

  /**
   * Routes {@code user} to the backend named {@code backend} from now on, for new connections;
   * open sessions stay where they are. In an embedded server, the user's role and database are
   * created first, as for routes declared up front (the database empty, and dropped after the
   * class).
   *
   * @throws IllegalArgumentException if no backend has that name
   */
  void route(String user, String backend);

  /**
   * Routes {@code user} to {@code backend} (any server, with its rewrites) from now on, for new
   * connections.
   */
  void route(String user, BackendConfig backend);

  /** Removes the route of {@code user}: new connections as that user are refused (28000). */
  void removeRoute(String user);

  /**
   * Puts every route back as declared ({@code @PgMux} routes or the builder's), with their
   * {@code backendUser} and {@code database} rewrites, and removes routes added since. After each
   * test this happens by itself for the routes the test changed.
   */
  void resetRoutes();

  /**
   * Puts the route of {@code user} back as declared, with its rewrites.
   *
   * @throws IllegalArgumentException if {@code user} has no declared route
   */
  void resetRoute(String user);

  /**
   * Returns the sessions of the current test, oldest first: those open at some moment since it
   * began (its {@code @BeforeEach} methods included), so also sessions still open from before,
   * such as a pool's. Open ones are as they are now; ended ones ({@link SessionInfo#isOpen()}
   * false) have their end time and final byte counts. A session appears once its backend
   * connection is made, so it is there when a JDBC connection is returned; it is reported ended
   * shortly after the client closes it (see {@link #awaitSessionsEnded}). Outside tests ({@code
   * @BeforeAll}, {@code @AfterAll}), the view of the last test that began, or before the first,
   * every session.
   */
  List<SessionInfo> sessions();

  /**
   * Returns the sessions of {@link #sessions()} that the proxy sent to the backend named {@code
   * backend}.
   */
  List<SessionInfo> sessions(String backend);

  /**
   * Waits until the proxy has seen every session of {@code user} end, at most {@code timeout}:
   * a client's {@code close()} returns before the proxy has handled it. Returns the current
   * test's sessions of {@code user}, then all ended, with final byte counts.
   *
   * @throws IllegalStateException if some are still open after {@code timeout}, naming them
   */
  List<SessionInfo> awaitSessionsEnded(String user, Duration timeout);

  /** Returns the proxy's counters since it started. */
  ProxyStats stats();

  /**
   * Returns the statements the proxy's clients ran since the current test began (the journal is
   * cleared before each test), for example to assert with {@code
   * io.pgmux.junit5.assertj.PgMuxAssertions} which tenant ran what where.
   */
  StatementJournal journal();

  /**
   * Returns the faults on users' routes: add them during a test; they are all removed after it
   * (and before the next), so none outlives the test that added it.
   */
  Faults faults();
}
