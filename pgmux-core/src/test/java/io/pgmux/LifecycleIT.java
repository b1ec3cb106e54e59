package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** close() frees everything the proxy took: its port, its threads, its buffers, its sockets. */
@ExtendWith(Backends.Resolver.class)
class LifecycleIT {

  private static List<String> proxyThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("pgmux-"))
        .toList();
  }

  private static long openFileDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void closeFreesPortThreadsBuffersAndSockets(Backends backends) throws Exception {
    Router router = r -> backends.current().backend();
    // Warm up pgjdbc and TLS so that their one-time file handles are not counted as leaks.
    try (ProxyServer warmup = new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).start();
        Connection c = Jdbc.connect(warmup, "scram_user", PASSWORD, "postgres", require())) {
      Jdbc.queryString(c, "SELECT 1");
    }
    long fdsBefore = openFileDescriptors();

    ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).withEventLoops(3).start();
    int port = proxy.port();
    assertThat(proxyThreads()).contains("pgmux-loop-0", "pgmux-loop-1", "pgmux-loop-2");
    List<Connection> open = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      open.add(Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", i % 2 == 0 ? require() : new Properties()));
    }
    assertThat(proxy.sessions()).hasSize(10);

    proxy.close();

    assertThat(proxyThreads()).isEmpty();
    assertThat(BufferPool.liveBuffers()).isZero();
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", port)); // the port is free
    }
    for (Connection c : open) {
      // Idle sessions are told why between two messages; the next statement fails, not hangs.
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Jdbc.queryString(c, "SELECT 1"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("57P01");
                assertThat(e.getMessage()).contains("pgmux: proxy shutting down");
              });
      c.close();
    }
    assertBackendHasNoProxySessions(backends);
    assertThat(openFileDescriptors()).isLessThanOrEqualTo(fdsBefore);
  }

  private static void assertBackendHasNoProxySessions(Backends backends) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String count;
    do {
      try (Connection c = backends.current().superuser()) {
        count =
            Jdbc.queryString(
                c, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'scram_user'");
      }
    } while (!count.equals("0") && System.nanoTime() < deadline);
    assertThat(count).as("backend sessions left after close()").isEqualTo("0");
  }

  private static Properties require() {
    Properties properties = new Properties();
    properties.setProperty("sslmode", "require");
    return properties;
  }
}
