package io.pgmux;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes by user name through a map, and optionally sends users without a route of their own to a
 * {@linkplain #withFallback fallback} backend. Thread-safe: routes may be added, replaced and
 * removed while the proxy runs, and take effect for the next client that connects; sessions
 * already running stay where they are.
 */
public final class StaticRouter implements Router {
  private final Map<String, BackendConfig> routes = new ConcurrentHashMap<>();
  private volatile BackendConfig fallback;

  /** Creates a router with no routes. */
  public StaticRouter() {}

  /** Creates a router with a copy of {@code routes}, keyed by client user name. */
  public StaticRouter(Map<String, BackendConfig> routes) {
    routes.forEach(this::put);
  }

  /**
   * Routes clients logging in as {@code user} to {@code backend}, replacing any route the user had.
   *
   * @return this router
   */
  public StaticRouter put(String user, BackendConfig backend) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(backend, "backend");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("route user is empty");
    }
    routes.put(user, backend);
    return this;
  }

  /** Removes the route of {@code user}, returning the backend it had, or {@code null}. */
  public BackendConfig remove(String user) {
    return routes.remove(user);
  }

  /**
   * Sends every user without a route of its own to {@code backend}, or, with {@code null}, refuses
   * them again (SQLSTATE {@code 28000}, the default). A fallback whose {@link BackendConfig#user()}
   * and {@link BackendConfig#database()} are {@code null} keeps the client's user and database,
   * so a role created at run time can log in as itself without a route being added.
   *
   * @return this router
   */
  public StaticRouter withFallback(BackendConfig backend) {
    this.fallback = backend;
    return this;
  }

  /** Returns the backend for users without a route, or {@code null} if they are refused. */
  public BackendConfig fallback() {
    return fallback;
  }

  /** Returns a snapshot of the routes, keyed by client user name; the fallback is not among them. */
  public Map<String, BackendConfig> routes() {
    return Map.copyOf(routes);
  }

  @Override
  public BackendConfig route(RouteRequest request) {
    BackendConfig backend = routes.get(request.user());
    return backend != null ? backend : fallback;
  }

  @Override
  public String toString() {
    BackendConfig otherwise = fallback;
    return "StaticRouter" + routes.keySet() + (otherwise == null ? "" : " else " + otherwise.address());
  }
}
