package io.pgmux.junit5.internal.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The directory of this JVM's embedded servers and initdb templates, deleted when the JVM exits.
 * One per JVM, so concurrent builds on one machine never share data directories.
 *
 * <p>A JVM killed outright runs no shutdown hook, and PostgreSQL outlives it. So each workspace
 * names its JVM in a file, and the next workspace created on the machine stops the servers of
 * workspaces whose JVM is gone and deletes them.
 */
final class Workspace {
  private static final String PREFIX = "pgmux-junit5-";
  private static final String OWNER_FILE = "owner.pid";
  private static Path root;

  private Workspace() {}

  /**
   * Returns this JVM's workspace, creating it on first use: the directory, the file naming this
   * JVM, and a shutdown hook that stops the servers still running and deletes the directory. On
   * creation it also cleans up the workspaces of JVMs that are gone ({@link #cleanOrphans}).
   */
  static synchronized Path root() {
    if (root == null) {
      Path created;
      try {
        created = Files.createTempDirectory(PREFIX);
        Files.writeString(created.resolve(OWNER_FILE), String.valueOf(ProcessHandle.current().pid()));
      } catch (IOException e) {
        throw new UncheckedIOException("pgmux: cannot create a directory for embedded servers", e);
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    EmbeddedServer.closeAll();
                    deleteQuietly(created);
                  },
                  "pgmux-workspace-cleanup"));
      root = created;
      cleanOrphans(root);
    }
    return root;
  }

  /** Stops the servers of workspaces whose JVM has ended, and deletes those workspaces. */
  static void cleanOrphans(Path mine) {
    List<Path> others;
    try (Stream<Path> siblings = Files.list(mine.getParent())) {
      others =
          siblings
              .filter(dir -> dir.getFileName().toString().startsWith(PREFIX) && !dir.equals(mine))
              .toList();
    } catch (IOException | RuntimeException e) {
      return;
    }
    for (Path other : others) {
      Optional<Long> owner = readPid(other.resolve(OWNER_FILE));
      if (owner.isEmpty() || ProcessHandle.of(owner.get()).map(ProcessHandle::isAlive).orElse(false)) {
        continue; // not ours to judge, or its JVM still runs
      }
      try (Stream<Path> files = Files.walk(other, 3)) {
        files
            .filter(file -> file.getFileName().toString().equals("postmaster.pid"))
            .forEach(Workspace::stopPostmaster);
      } catch (IOException | RuntimeException e) {
        continue;
      }
      deleteQuietly(other);
    }
  }

  /** Stops the postmaster of a data directory, if the process with its pid really is that one. */
  private static void stopPostmaster(Path pidFile) {
    String dataDirectory = pidFile.getParent().toString();
    readPid(pidFile)
        .flatMap(ProcessHandle::of)
        // A pid may have been reused since: only a process started on this directory is stopped.
        .filter(process -> process.info().commandLine().orElse("").contains(dataDirectory))
        .ifPresent(
            process -> {
              process.destroy(); // SIGTERM: a smart shutdown, and its clients are gone
              try {
                process.onExit().get(10, TimeUnit.SECONDS);
              } catch (Exception e) {
                process.destroyForcibly();
              }
            });
  }

  private static Optional<Long> readPid(Path file) {
    try {
      String first = Files.readAllLines(file).get(0).trim();
      return Optional.of(Long.parseLong(first));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static void deleteQuietly(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try {
      Files.walkFileTree(
          path,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // Best effort: the OS cleans the temp directory eventually, and no server uses it any more.
    }
  }
}
