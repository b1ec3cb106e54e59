package io.pgmux.internal.route;

import io.pgmux.BackendConfig;
import io.pgmux.StaticRouter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes as the CLI writes them, the one parser of that syntax for {@code --route} and routes
 * files: {@code USER=[BACKEND_USER@]HOST:PORT[/DB]} sends {@code USER} to a backend, and {@code
 * *=[BACKEND_USER@]HOST:PORT[/DB]} is the fallback for every user without a route of its own. A
 * fallback without {@code BACKEND_USER@} or {@code /DB} keeps the client's user and database.
 *
 * <p>Shared by the command line and the admin console's {@code SET ROUTE}, so that both accept
 * exactly the same targets. Not thread-safe: build one, then hand it over.
 */
public final class Routes {
  public static final String SYNTAX = "USER=[BACKEND_USER@]HOST:PORT[/DB]";
  public static final String FALLBACK_USER = "*";

  private final Map<String, BackendConfig> users = new LinkedHashMap<>();
  private BackendConfig fallback;

  /**
   * Parses {@code route} and adds it.
   *
   * @throws IllegalArgumentException naming the route and what is wrong with it, also when its
   *     user (or the fallback) already has a route
   */
  public void add(String route) {
    int eq = route.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("route \"" + route + "\" is not " + SYNTAX);
    }
    String user = route.substring(0, eq);
    if (!user.equals(user.strip())) {
      throw new IllegalArgumentException(
          "route \"" + route + "\": user \"" + user + "\" starts or ends with a space");
    }
    put(user, backend(route, route.substring(eq + 1)));
  }

  /**
   * Adds every route of {@code other}.
   *
   * @throws IllegalArgumentException if a user (or the fallback) has a route in both
   */
  public void addAll(Routes other) {
    other.users.forEach(this::put);
    if (other.fallback != null) {
      put(FALLBACK_USER, other.fallback);
    }
  }

  /**
   * Parses a routes file's text: one route per line, blank lines and lines starting with {@code #}
   * skipped.
   *
   * @param source names the file in error messages
   * @throws IllegalArgumentException naming the source, the line number and the problem
   */
  public static Routes parse(String source, List<String> lines) {
    Routes routes = new Routes();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        routes.add(line);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return routes;
  }

  /** Parses a routes file's bytes as UTF-8; see {@link #parse(String, List)}. */
  public static Routes parse(String source, byte[] content) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(java.nio.ByteBuffer.wrap(content))
              .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException(source + " is not UTF-8 text", e);
    }
    return parse(source, text.lines().toList());
  }

  /** Returns the routes by client user name, in the order they were added; unmodifiable. */
  public Map<String, BackendConfig> users() {
    return Collections.unmodifiableMap(users);
  }

  /** Returns the route for users without one, or {@code null}. */
  public BackendConfig fallback() {
    return fallback;
  }

  /**
   * Makes {@code router} hold exactly these routes. Each user's route changes atomically; new
   * routes are put before stale ones are removed, so no user that keeps a route is ever without
   * one.
   */
  public void applyTo(StaticRouter router) {
    users.forEach(router::put);
    router.withFallback(fallback);
    for (String user : router.routes().keySet()) {
      if (!users.containsKey(user)) {
        router.remove(user);
      }
    }
  }

  /** Returns, for logs, how many routes there are: {@code 3 route(s)} or with a fallback. */
  public String describe() {
    return users.size() + " route(s)" + (fallback == null ? "" : " and a fallback route");
  }

  private void put(String user, BackendConfig backend) {
    if (user.equals(FALLBACK_USER)) {
      if (fallback != null) {
        throw new IllegalArgumentException("two fallback routes (" + FALLBACK_USER + "=...)");
      }
      fallback = backend;
      return;
    }
    if (users.putIfAbsent(user, backend) != null) {
      throw new IllegalArgumentException("user \"" + user + "\" has two routes");
    }
  }

  /**
   * Parses one route's target, what {@code --route USER=} takes after the {@code =}: {@code
   * [BACKEND_USER@]HOST:PORT[/DB][?OPTIONS]} (see {@link RouteOptions}). Secrets named by the
   * options are read from files or the environment now.
   *
   * @param user the route's user, for error messages
   * @throws IllegalArgumentException naming the route and what is wrong with it
   */
  public static BackendConfig target(String user, String target) {
    return backend(user + "=" + target, target);
  }

  /** Parses {@code [BACKEND_USER@]HOST:PORT[/DB][?OPTIONS]} (see {@link RouteOptions}). */
  private static BackendConfig backend(String route, String target) {
    String query = null;
    int question = target.indexOf('?');
    if (question >= 0) {
      query = target.substring(question + 1);
      target = target.substring(0, question);
    }
    for (int i = 0; i < target.length(); i++) {
      if (Character.isWhitespace(target.charAt(i))) {
        throw new IllegalArgumentException(
            "route \"" + route + "\": backend \"" + target + "\" contains a space; write " + SYNTAX);
      }
    }
    String backendUser = null;
    int at = target.lastIndexOf('@');
    if (at >= 0) {
      backendUser = target.substring(0, at);
      target = target.substring(at + 1);
    }
    String database = null;
    int slash = target.indexOf('/');
    if (slash >= 0) {
      database = target.substring(slash + 1);
      target = target.substring(0, slash);
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || colon == target.length() - 1) {
      throw new IllegalArgumentException(
          "route \"" + route + "\": backend \"" + target + "\" is not HOST:PORT");
    }
    String host = target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("route \"" + route + "\": port is not a number");
    }
    try {
      BackendConfig config =
          new BackendConfig(
              host,
              port,
              backendUser == null || backendUser.isEmpty() ? null : backendUser,
              database == null || database.isEmpty() ? null : database);
      return query == null ? config : RouteOptions.apply(config, query, System::getenv);
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new IllegalArgumentException("route \"" + route + "\": " + e.getMessage(), e);
    }
  }
}
