package io.pgmux.junit5.internal.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Initdb templates, one per set of binaries per JVM: the first embedded server of a version runs
 * initdb and, before it starts, leaves a copy of its fresh data directory here; later servers copy
 * that instead of running initdb, which is the slow part of starting a server (a class with three
 * servers reaches its first query in about half the time).
 */
final class Templates {
  /** Set to {@code false} to run initdb for every server (to measure what the template saves). */
  static final String ENABLED_PROPERTY = "pgmux.junit5.template";

  /** Files of zonky's that belong to one running instance, not to the template. */
  private static final String ZONKY_LOCK = "epg-lock";

  private static final ConcurrentHashMap<String, CompletableFuture<Path>> TEMPLATES =
      new ConcurrentHashMap<>();
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private Templates() {}

  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY));
  }

  /**
   * Uses or claims the template of {@code binaries}. Copies a ready template into {@code data} and
   * returns {@code null}; returns a claim if there is no template yet, which the caller's server
   * fulfils by saving its freshly initialised directory (or abandons if it fails before that); and
   * returns {@code null} with {@code data} left empty while another server is still making the
   * template, so the caller runs initdb itself.
   *
   * <p>Not waiting for a template being made matters: servers of one class start together, and
   * initdb in parallel beats initdb, then copies, one after the other (measured by
   * StartupBenchmarkIT). The template pays off for the classes that follow.
   */
  static Claim prepare(Binaries binaries, Path data) throws IOException {
    CompletableFuture<Path> mine = new CompletableFuture<>();
    CompletableFuture<Path> existing = TEMPLATES.putIfAbsent(binaries.key(), mine);
    if (existing == null) {
      return new Claim(binaries.key(), mine);
    }
    Path template = existing.isDone() && !existing.isCompletedExceptionally() ? existing.join() : null;
    if (template != null) {
      copy(template, data);
    }
    return null;
  }

  /** Forgets every template, so the next server runs initdb again. For measurements. */
  static void clear() {
    TEMPLATES.clear();
  }

  /** A duty to save the template of one set of binaries. */
  static final class Claim {
    private final String key;
    private final CompletableFuture<Path> future;

    private Claim(String key, CompletableFuture<Path> future) {
      this.key = key;
      this.future = future;
    }

    /** Saves {@code data}, just initialised and not yet started, as the template. */
    void save(Path data) {
      try {
        Path templates = Files.createDirectories(Workspace.root().resolve("templates"));
        int number = COUNTER.incrementAndGet();
        Path partial = templates.resolve(number + ".partial");
        copy(data, partial);
        // Waiting servers copy from the final name only, so they never see half a template.
        Path done =
            Files.move(partial, templates.resolve(String.valueOf(number)), StandardCopyOption.ATOMIC_MOVE);
        future.complete(done);
      } catch (IOException | RuntimeException e) {
        abandon(e);
        throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
      }
    }

    /** Releases waiting servers with {@code cause}, and lets a later server try again. */
    void abandon(Throwable cause) {
      if (future.completeExceptionally(cause)) {
        TEMPLATES.remove(key, future);
      }
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        if (source.getFileName().toString().equals(ZONKY_LOCK)) {
          continue;
        }
        // COPY_ATTRIBUTES keeps the 0700 mode PostgreSQL insists on for its data directory.
        Files.copy(source, to.resolve(from.relativize(source).toString()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }
}
