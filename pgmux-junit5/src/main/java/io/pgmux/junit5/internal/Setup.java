package io.pgmux.junit5.internal;

import io.pgmux.TlsConfig;
import io.pgmux.junit5.BackendAuth;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.Refresh;
import io.pgmux.junit5.Route;
import io.pgmux.junit5.internal.refresh.TemplateSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * What a test class asked for, from {@code @PgMux} or a {@code PgMuxExtension} builder.
 * Immutable.
 *
 * @param routes the routes in declaration order
 * @param backends backends given in code, by name: {@code BackendConfig}s or objects for a
 *     {@code BackendSource}
 * @param postgresVersion the embedded servers' version, {@code ""} for the classpath's
 * @param serverConfig settings for the embedded servers
 * @param tls how the proxy terminates TLS for clients, or {@code null} for none
 * @param refresh when the tenant databases are replaced by fresh clones
 * @param templates what fills each user's database, by client user
 * @param init how to prepare new embedded servers, by backend name; the key {@link
 *     #ALL_BACKENDS} holds the steps for every embedded server
 * @param backendAuth how the embedded servers authenticate the proxy
 * @param backendTls whether the embedded servers take TCP logins over TLS only
 */
public record Setup(
    List<RouteSpec> routes,
    Map<String, Object> backends,
    String postgresVersion,
    Map<String, String> serverConfig,
    TlsConfig tls,
    Map<String, List<InitStep>> init,
    Refresh refresh,
    Map<String, List<TemplateSource>> templates,
    BackendAuth backendAuth,
    boolean backendTls) {

  /** The key of {@link #init} for steps that run in every embedded server. */
  public static final String ALL_BACKENDS = "";

  /** Copies the collections, keeping their order. */
  public Setup {
    routes = List.copyOf(routes);
    backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
    serverConfig = Collections.unmodifiableMap(new LinkedHashMap<>(serverConfig));
    Objects.requireNonNull(refresh, "refresh");
    Objects.requireNonNull(backendAuth, "backendAuth");
    Map<String, List<TemplateSource>> copy = new LinkedHashMap<>();
    templates.forEach((user, sources) -> copy.put(user, List.copyOf(sources)));
    templates = Collections.unmodifiableMap(copy);
    Map<String, List<InitStep>> steps = new LinkedHashMap<>();
    init.forEach((backend, list) -> steps.put(backend, List.copyOf(list)));
    init = Collections.unmodifiableMap(steps);
  }

  /** Returns the init steps of the embedded server {@code backend}, those for all first. */
  public List<InitStep> initSteps(String backend) {
    List<InitStep> steps = new ArrayList<>(init.getOrDefault(ALL_BACKENDS, List.of()));
    steps.addAll(init.getOrDefault(backend, List.of()));
    return steps;
  }

  /** Reads an annotation; {@code source} names it in messages. */
  static Setup of(PgMux annotation, String source) {
    List<RouteSpec> routes = new ArrayList<>();
    Map<String, List<TemplateSource>> templates = new LinkedHashMap<>();
    for (Route route : annotation.routes()) {
      routes.add(RouteSpec.of(route));
      List<TemplateSource> sources = new ArrayList<>();
      for (String declaration : route.template()) {
        try {
          sources.add(TemplateSource.parse(declaration));
        } catch (IllegalArgumentException e) {
          throw new ExtensionConfigurationException(
              e.getMessage() + " (the template of " + RouteSpec.of(route) + " on " + source + ")");
        }
      }
      if (!sources.isEmpty()) {
        templates.put(route.user(), sources);
      }
    }
    Map<String, String> config = new LinkedHashMap<>();
    for (String setting : annotation.serverConfig()) {
      int eq = setting.indexOf('=');
      if (eq <= 0) {
        throw new ExtensionConfigurationException(
            "pgmux: serverConfig \""
                + setting
                + "\" on "
                + source
                + " is not name=value: write it as in postgresql.conf, such as"
                + " \"max_connections=50\"");
      }
      config.put(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
    }
    List<InitStep> scripts = new ArrayList<>();
    for (String script : annotation.init()) {
      scripts.add(new InitStep.Script(script));
    }
    Map<String, List<InitStep>> init = scripts.isEmpty() ? Map.of() : Map.of(ALL_BACKENDS, scripts);
    return new Setup(
        routes,
        Map.of(),
        annotation.postgresVersion().trim(),
        config,
        null,
        init,
        annotation.refresh(),
        templates,
        annotation.backendAuth(),
        annotation.backendTls());
  }
}
