package io.pgmux.junit5;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import java.util.List;
import java.util.Map;

/**
 * The running proxy of a {@link PgMux @PgMux} or {@link PgMuxExtension} test class: where to
 * connect, what it carried, and its routes, which tests may change.
 *
 * <p>JUnit injects it into constructors, {@code @BeforeAll}/{@code @BeforeEach} methods and tests
 * that declare a parameter of exactly this type. The handle is valid while its class runs; after
 * the class, its proxy is closed and its databases dropped (embedded servers wait for the next
 * class of the JVM). All methods are thread-safe.
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
   */
  String jdbcUrl(String user);

  /**
   * Returns a JDBC URL that logs in through the proxy as {@code user} asking for {@code database}
   * (which a route with a {@code database} replaces on the way to the backend).
   */
  String jdbcUrl(String user, String database);

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
   * Returns every session the proxy carried since it started, oldest first: open ones as they
   * are now, ended ones with their final byte counts. A session appears once its backend
   * connection is made, so it is there when a JDBC connection is returned.
   */
  List<SessionInfo> sessions();

  /**
   * Returns the sessions of {@link #sessions()} that the proxy sent to the backend named {@code
   * backend}.
   */
  List<SessionInfo> sessions(String backend);

  /** Returns the proxy's counters since it started. */
  ProxyStats stats();
}
