package io.pgmux.internal.proxy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The Unix-domain listening socket: the file {@code DIR/.s.PGSQL.PORT}, named as PostgreSQL names
 * its own, so that {@code psql -h DIR -p PORT} and clients that look in a socket directory find
 * the proxy.
 *
 * <p>A socket file outlives a process that dies without closing it. PostgreSQL tells a stale file
 * from a live one by a lock file holding the owner's PID; pgMux asks the socket itself instead: if
 * a server accepts a connection there, binding is refused; if none does, the file is stale and is
 * replaced. As PostgreSQL's, the file lets every local user connect (mode 0777).
 */
final class UnixSocket {
  private UnixSocket() {}

  /** The socket file PostgreSQL would use in {@code directory} for {@code port}. */
  static Path file(Path directory, int port) {
    return directory.resolve(".s.PGSQL." + port);
  }

  /**
   * Binds a non-blocking listening socket at {@code file}, replacing a stale file.
   *
   * @throws IOException if a server answers at {@code file}, or binding fails
   */
  static ServerSocketChannel bind(Path file, int backlog) throws IOException {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(file);
    if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (answers(address)) {
        throw new IOException(
            "a server already listens on " + file + ": stop it, or use another port or directory");
      }
      Files.delete(file); // stale: nobody accepts there
    }
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(address, backlog);
      server.configureBlocking(false);
      grantEveryone(file);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /**
   * Lets every local user connect, as PostgreSQL's default {@code unix_socket_permissions} (0777)
   * does: connecting needs write permission on the file, which the umask would take away from
   * others. Who may reach the socket is then up to the directory's permissions, and who may log
   * in up to the backend.
   */
  private static void grantEveryone(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxrwxrwx"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own defaults apply
    }
  }

  /** Whether a server accepts connections at {@code address}. */
  private static boolean answers(UnixDomainSocketAddress address) {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return probe.connect(address);
    } catch (IOException e) {
      return false; // refused, or not a socket at all
    }
  }

  /** Closes {@code server} and removes its file; a file that is gone already is fine. */
  static void close(ServerSocketChannel server, Path file) throws IOException {
    try {
      server.close();
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
