package io.pgmux.junit5.internal;

import io.pgmux.junit5.internal.embedded.EmbeddedFleet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Finds what pgMux left running: proxy and helper threads, embedded servers, their processes. */
public final class Leftovers {
  private Leftovers() {}

  /** Returns descriptions of everything still running; empty when all is closed. */
  public static List<String> find() {
    String root = EmbeddedFleet.workspace().toString();
    List<String> found = new ArrayList<>();
    Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("pgmux-"))
        .forEach(name -> found.add("thread " + name));
    found.addAll(EmbeddedFleet.liveServers());
    // Servers idle in the JVM's pool are kept for later classes on purpose.
    List<String> idle = EmbeddedFleet.idleDirectories().stream().map(Path::toString).toList();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(root))
        .filter(p -> idle.stream().noneMatch(p.info().commandLine().orElse("")::contains))
        .forEach(p -> found.add("process " + p.pid() + ": " + p.info().commandLine().orElse("")));
    return found;
  }

  /** Returns the proxy's embedded server names and data directories, for tests. */
  public static Map<String, Path> embeddedDirectories(Object proxy) {
    return ((ProxyHandle) proxy).embeddedDirectories();
  }

  /** Forgets the initdb templates, so the next server runs initdb. */
  public static void clearTemplates() {
    EmbeddedFleet.forgetTemplates();
  }

  /** Runs {@code check} until it passes or {@code seconds} have passed; no fixed sleeps. */
  public static void awaitEmpty(long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> left = find();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      // Threads end a moment after close() returns from awaiting them; poll briefly.
      Thread.onSpinWait();
      Thread.yield();
      left = find();
    }
    if (!left.isEmpty()) {
      throw new AssertionError("pgMux left running: " + left);
    }
  }
}
