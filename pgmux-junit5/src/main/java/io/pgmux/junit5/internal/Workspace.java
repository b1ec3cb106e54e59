package io.pgmux.junit5.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The directory of this JVM's embedded servers and initdb templates, deleted when the JVM exits.
 * One per JVM, so concurrent builds on one machine never share data directories.
 */
final class Workspace {
  private static Path root;

  private Workspace() {}

  static synchronized Path root() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("pgmux-junit5-");
      } catch (IOException e) {
        throw new UncheckedIOException("pgMux: cannot create a directory for embedded servers", e);
      }
      Path created = root;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    EmbeddedServer.closeAll();
                    deleteQuietly(created);
                  },
                  "pgmux-workspace-cleanup"));
    }
    return root;
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
