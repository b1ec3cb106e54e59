package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import java.lang.reflect.Field;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * What each backend name of a test class stands for: an address given up front (a builder
 * backend or a static {@code @PgMuxBackend} field, through the {@code BackendSource}s), an
 * instance field read before each test, or an embedded server to start. Immutable once made.
 *
 * @param routes the declared routes, validated
 * @param given backends known before the proxy starts, by name
 * @param instanceFields instance backend fields, by name
 * @param embedded names of the backends that are embedded servers
 * @param sources turns field values into addresses
 * @param passwords the passwords of given backends whose values offer one, by name
 */
record BackendPlan(
    List<RouteSpec> routes,
    Map<String, BackendConfig> given,
    Map<String, Field> instanceFields,
    Set<String> embedded,
    BackendSources sources,
    Map<String, String> passwords) {

  BackendPlan {
    routes = List.copyOf(routes);
    given = Collections.unmodifiableMap(new LinkedHashMap<>(given));
    passwords = Collections.unmodifiableMap(new LinkedHashMap<>(passwords));
    instanceFields = Collections.unmodifiableMap(new LinkedHashMap<>(instanceFields));
    embedded = Collections.unmodifiableSet(new LinkedHashSet<>(embedded));
  }

  /**
   * Validates {@code setup} against the backend fields of {@code testClass} and reads the static
   * fields and builder backends.
   *
   * @throws ExtensionConfigurationException on misconfiguration, saying how to fix it
   */
  static BackendPlan of(Setup setup, Class<?> testClass) {
    String owner = testClass.getName();
    Map<String, Field> fields = BackendFields.of(testClass);
    Set<String> routed = validateRoutes(setup.routes(), owner);
    for (String name : setup.backends().keySet()) {
      if (fields.containsKey(name)) {
        throw new ExtensionConfigurationException(
            "pgmux: backend \"" + name + "\" is given both to the PgMuxExtension builder and by"
                + " field " + BackendFields.describe(fields.get(name)) + ": keep one");
      }
    }
    Set<String> declared = new LinkedHashSet<>(fields.keySet());
    declared.addAll(setup.backends().keySet());
    for (String name : declared) {
      if (!routed.contains(name)) {
        throw new ExtensionConfigurationException(
            "pgmux: unknown backend \"" + name + "\": "
                + (fields.containsKey(name)
                    ? "field " + BackendFields.describe(fields.get(name))
                    : "the PgMuxExtension builder")
                + " declares it, but no route of " + owner + " names it (routes name "
                + routed + "). Fix the name, or add a route such as @Route(user = \"...\","
                + " backend = \"" + name + "\")");
      }
    }

    BackendSources sources = new BackendSources(testClass.getClassLoader());
    Map<String, BackendConfig> given = new LinkedHashMap<>();
    Map<String, Field> instanceFields = new LinkedHashMap<>();
    Map<String, String> passwords = new LinkedHashMap<>();
    setup.backends().forEach(
        (name, value) -> {
          given.put(name, sources.resolve(name, value, "PgMuxExtension builder"));
          passwordOf(value).ifPresent(password -> passwords.put(name, password));
        });
    fields.forEach(
        (name, field) -> {
          if (BackendFields.isStatic(field)) {
            Object value = BackendFields.read(field, null);
            given.put(name, sources.resolve(name, value, "field " + BackendFields.describe(field)));
            passwordOf(value).ifPresent(password -> passwords.put(name, password));
          } else {
            instanceFields.put(name, field);
          }
        });
    Set<String> embedded = new LinkedHashSet<>(routed);
    embedded.removeAll(declared);
    checkNoLookAlikes(embedded, declared, fields, owner);
    checkInitTargets(setup, embedded, declared, owner);
    return new BackendPlan(setup.routes(), given, instanceFields, embedded, sources, passwords);
  }

  /**
   * Returns the password a backend's value offers through a public {@code getPassword()}, as
   * Testcontainers' database containers do: templates and refresh need it to log in as the
   * backend's (super)user. Read by reflection, so no container library is needed here.
   */
  private static java.util.Optional<String> passwordOf(Object value) {
    if (value == null || value instanceof BackendConfig) {
      return java.util.Optional.empty();
    }
    try {
      Object password = value.getClass().getMethod("getPassword").invoke(value);
      return java.util.Optional.ofNullable(password instanceof String text ? text : null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return java.util.Optional.empty();
    }

  }

  /**
   * Fails if a backend that would be embedded has nearly the name of a declared one: a typo in a
   * route would otherwise start an extra server and hide the declared backend from its users.
   */
  private static void checkNoLookAlikes(
      Set<String> embedded, Set<String> declared, Map<String, Field> fields, String owner) {
    for (String name : embedded) {
      for (String known : declared) {
        if (Names.lookAlike(name, known)) {
          throw new ExtensionConfigurationException(
              "pgmux: a route of " + owner + " names backend \"" + name + "\", which no field or"
                  + " builder backend declares, so it would be a new embedded server; but \""
                  + known + "\" is declared ("
                  + (fields.containsKey(known)
                      ? "field " + BackendFields.describe(fields.get(known))
                      : "PgMuxExtension builder")
                  + "; declared backends: " + declared + "). Fix the route's backend name, or, for"
                  + " a separate embedded server, give it a name less like \"" + known + "\"");
        }
      }
    }
  }

  private static void checkInitTargets(
      Setup setup, Set<String> embedded, Set<String> declared, String owner) {
    for (String name : setup.init().keySet()) {
      if (name.equals(Setup.ALL_BACKENDS) || embedded.contains(name)) {
        continue;
      }
      throw new ExtensionConfigurationException(
          "pgmux: an init script of " + owner + " is for backend \"" + name + "\", "
              + (declared.contains(name)
                  ? "which is given by a field or the builder: init scripts run only in the"
                      + " embedded servers pgMux creates, so prepare that backend where you make it"
                  : "which no route names (embedded backends: " + embedded + "): fix the name"));
    }
  }

  private static Set<String> validateRoutes(List<RouteSpec> routes, String owner) {
    Map<String, RouteSpec> byUser = new LinkedHashMap<>();
    Set<String> backendNames = new LinkedHashSet<>();
    for (RouteSpec route : routes) {
      if (route.user() == null || route.user().isEmpty()) {
        throw new ExtensionConfigurationException(
            "pgmux: " + route + " on " + owner + " has no user: name the client user it routes");
      }
      if (route.backend() == null || route.backend().isBlank()) {
        throw new ExtensionConfigurationException(
            "pgmux: " + route + " on " + owner + " has no backend: name one, such as"
                + " backend = \"tenant_a\"");
      }
      RouteSpec other = byUser.putIfAbsent(route.user(), route);
      if (other != null) {
        throw new ExtensionConfigurationException(
            "pgmux: duplicate user \"" + route.user() + "\" on " + owner + ": " + other + " and "
                + route + ". A user has one route; give the second tenant its own user name");
      }
      backendNames.add(route.backend());
    }
    return backendNames;
  }

  /**
   * Returns the instance backends of {@code testInstances} by name: each instance field read
   * from the instance that declares it.
   */
  Map<String, BackendConfig> readInstanceBackends(List<Object> testInstances) {
    Map<String, BackendConfig> read = new LinkedHashMap<>();
    instanceFields.forEach(
        (name, field) -> {
          for (Object instance : testInstances) {
            if (field.getDeclaringClass().isInstance(instance)) {
              read.put(
                  name,
                  sources.resolve(
                      name,
                      BackendFields.read(field, instance),
                      "field " + BackendFields.describe(field)));
            }
          }
        });
    return read;
  }

  /** Returns the declared routes that name {@code backend}. */
  List<RouteSpec> routesTo(String backend) {
    return routes.stream().filter(route -> route.backend().equals(backend)).toList();
  }
}
