package io.pgmux.junit5.internal.embedded;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Embedded servers kept for the JVM, by binaries and settings, and lent to one test class at a
 * time: a class that finds enough idle servers starts none. Servers are stopped and deleted with
 * the JVM (the workspace's shutdown hook, or the next JVM's sweep after a crash). Thread-safe.
 *
 * <p>A server is lent whole, so classes running in parallel never share one: each has its
 * databases under their declared names, and what a test does to the server itself (settings,
 * roles) meets no other class running at the same time.
 */
final class ServerPool {
  /** Set to {@code false} to start servers per class and stop them after it, as before. */
  static final String ENABLED_PROPERTY = "pgmux.junit5.shareServers";

  private static final Map<String, List<EmbeddedServer>> IDLE = new HashMap<>();
  /** Every server the pool owns, lent or idle. */
  private static final Set<EmbeddedServer> POOLED = ConcurrentHashMap.newKeySet();
  /** The backend name each server served last. */
  private static final Map<EmbeddedServer, String> LAST = new ConcurrentHashMap<>();

  private ServerPool() {}

  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY));
  }

  /** Identifies servers that are interchangeable: same binaries, same settings, same logins. */
  static String key(Binaries binaries, Map<String, String> serverConfig, EmbeddedFleet.Security security) {
    return binaries.key() + new TreeMap<>(serverConfig) + security;
  }

  /**
   * Takes idle servers of {@code key} for the backends {@code names}, preferring for each the
   * server that last served a backend of that name (its templates are there already); the caller
   * starts servers for the names missing from the result.
   */
  static synchronized Map<String, EmbeddedServer> take(String key, Collection<String> names) {
    List<EmbeddedServer> idle = IDLE.getOrDefault(key, new ArrayList<>());
    idle.removeIf(server -> !EmbeddedServer.live().contains(server));
    Map<String, EmbeddedServer> taken = new LinkedHashMap<>();
    for (String name : names) {
      idle.stream().filter(server -> name.equals(LAST.get(server))).findFirst().ifPresent(server -> {
        idle.remove(server);
        taken.put(name, server);
      });
    }
    for (String name : names) {
      if (!taken.containsKey(name) && !idle.isEmpty()) {
        taken.put(name, idle.remove(idle.size() - 1));
      }
    }
    taken.forEach((name, server) -> LAST.put(server, name));
    return taken;
  }

  /** Takes {@code server}, started for a class, into the pool; it is lent until given back. */
  static void adopt(String name, EmbeddedServer server) {
    POOLED.add(server);
    LAST.put(server, name);
  }

  /** Returns lent servers, to be lent again. */
  static synchronized void giveBack(String key, List<EmbeddedServer> servers) {
    IDLE.computeIfAbsent(key, k -> new ArrayList<>()).addAll(servers);
  }

  /** Whether the pool owns {@code server}. */
  static boolean owns(EmbeddedServer server) {
    return POOLED.contains(server);
  }

  /** Whether {@code server} is in the pool and lent to no class. */
  static synchronized boolean idle(EmbeddedServer server) {
    return IDLE.values().stream().anyMatch(list -> list.contains(server));
  }
}
