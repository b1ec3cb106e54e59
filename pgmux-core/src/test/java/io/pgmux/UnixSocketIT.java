package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Psql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProxyServer#withUnixSocket}: psql through the socket file, and the file's life. */
@ExtendWith(Backends.Resolver.class)
class UnixSocketIT {
  @TempDir Path directory;

  @Test
  void psqlConnectsThroughTheSocketDirectory(Backends backends) throws Exception {
    List<SessionInfo> started = new CopyOnWriteArrayList<>();
    List<RouteRequest> requests = new CopyOnWriteArrayList<>();
    Router router = backends.router();
    Router recording = request -> {
      requests.add(request);
      return router.route(request);
    };
    ProxyListener listener = new ProxyListener() {
      @Override
      public void sessionStarted(SessionInfo session) {
        started.add(session);
      }
    };
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", recording)
        .withUnixSocket(directory)
        .withListener(listener)
        .start()) {
      Path socket = proxy.unixSocket();
      assertThat(socket).isEqualTo(directory.resolve(".s.PGSQL." + proxy.port()));
      assertThat(Files.exists(socket)).isTrue();

      Psql.Result result = Psql.run(
          "host=" + directory + " port=" + proxy.port() + " user=postgres dbname=postgres",
          "",
          "SELECT current_user || ' ' || coalesce(inet_client_addr()::text, 'local')");
      assertThat(result.exitCode()).as(result.err()).isZero();
      assertThat(result.out()).isEqualTo("postgres 127.0.0.1/32");

      // TCP still works beside it, and the two kinds of client get distinct ids.
      Psql.Result tcp = Psql.run(
          "host=127.0.0.1 port=" + proxy.port() + " user=postgres dbname=postgres sslmode=disable",
          "", "SELECT 2");
      assertThat(tcp.out()).as(tcp.err()).isEqualTo("2");

      assertThat(started).hasSize(2);
      InetSocketAddress local = started.get(0).clientAddress();
      assertThat(local.isUnresolved()).isTrue();
      assertThat(local.getHostString()).isEqualTo("local");
      assertThat(local.getPort()).isZero();
      assertThat(requests.get(0).clientAddress()).isEqualTo(local);
      assertThat(started.get(1).clientAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
      assertThat(started.get(0).id()).isNotEqualTo(started.get(1).id());
    }
  }

  @Test
  void closeRemovesTheSocketFileThatEveryLocalUserMayConnectTo(Backends backends) throws IOException {
    Path socket;
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", backends.router()).withUnixSocket(directory).start()) {
      socket = proxy.unixSocket();
      assertThat(Files.exists(socket)).isTrue();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
          .as("as PostgreSQL's unix_socket_permissions default, 0777")
          .isEqualTo("rwxrwxrwx");
    }
    assertThat(Files.exists(socket)).isFalse();
  }

  @Test
  void aStaleSocketFileIsReplaced(Backends backends) throws Exception {
    int port = freePort();
    Path socket = directory.resolve(".s.PGSQL." + port);
    // A socket whose server is gone: closing a channel leaves its file behind, as a crash does.
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(Files.exists(socket)).isTrue();
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:" + port, backends.router())
        .withUnixSocket(directory).start()) {
      Psql.Result result = Psql.run(
          "host=" + directory + " port=" + port + " user=postgres dbname=postgres", "", "SELECT 1");
      assertThat(result.out()).as(result.err()).isEqualTo("1");
    }
    assertThat(Files.exists(socket)).isFalse();
  }

  @Test
  void aServerAnsweringOnTheSocketFileStopsTheStart(Backends backends) throws Exception {
    int port = freePort();
    Path socket = directory.resolve(".s.PGSQL." + port);
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));
      ProxyServer proxy = new ProxyServer("127.0.0.1:" + port, backends.router())
          .withUnixSocket(directory);
      assertThatThrownBy(proxy::start)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("a server already listens on " + socket);
      assertThat(proxy.isRunning()).isFalse();
      assertThat(Files.exists(socket)).as("the other server's file stays").isTrue();
      // The TCP port was freed again: another proxy can take it.
      try (ProxyServer other = new ProxyServer("127.0.0.1:" + port, backends.router()).start()) {
        assertThat(other.port()).isEqualTo(port);
        assertThatThrownBy(other::unixSocket)
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("no Unix-domain socket: call withUnixSocket(directory) before start()");
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
