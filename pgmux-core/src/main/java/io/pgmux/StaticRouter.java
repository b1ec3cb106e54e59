package io.pgmux;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes by user name through a map. Thread-safe: routes may be added, replaced and removed while
 * the proxy runs, and take effect for the next client that connects; sessions already running
 * stay where they are.
 */
public final class StaticRouter implements Router {
  private final Map<String, BackendConfig> routes = new ConcurrentHashMap<>();

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

  /** Returns a snapshot of the routes, keyed by client user name. */
  public Map<String, BackendConfig> routes() {
    return Map.copyOf(routes);
  }

  @Override
  public BackendConfig route(RouteRequest request) {
    return routes.get(request.user());
  }

  @Override
  public String toString() {
    return "StaticRouter" + routes.keySet();
  }
}
