package io.pgmux.samples.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.pgmux.ProxyServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A router backed by an HTTP tenant directory, with a cache, in front of two real servers. */
class TenantDirectoryRouterIT {
  private static EmbeddedPostgres serverA;
  private static EmbeddedPostgres serverB;
  private static HttpServer directory;
  private static final Map<String, String> tenants = new ConcurrentHashMap<>();
  private static final AtomicInteger lookups = new AtomicInteger();
  private static volatile int failWith;

  @BeforeAll
  static void start() throws Exception {
    serverA = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
    serverB = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
    tenants.put("alice", "host=127.0.0.1\nport=" + serverA.getPort() + "\nuser=postgres\n");
    tenants.put("bob", "host=127.0.0.1\nport=" + serverB.getPort() + "\nuser=postgres\n");
    directory = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    directory.createContext("/tenants/", exchange -> {
      lookups.incrementAndGet();
      String user = exchange.getRequestURI().getPath().substring("/tenants/".length());
      String route = tenants.get(user);
      int status = failWith != 0 ? failWith : route == null ? 404 : 200;
      byte[] body = (status == 200 ? route : "").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    directory.start();
  }

  @AfterAll
  static void stop() throws Exception {
    directory.stop(0);
    serverA.close();
    serverB.close();
  }

  private static String serverPort(ProxyServer proxy, String user) throws SQLException {
    String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres";
    try (Connection c = DriverManager.getConnection(url, user, "");
        ResultSet rs = c.createStatement().executeQuery("SHOW port")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void routesThroughTheDirectoryAndCachesAnswers() throws Exception {
    URI base = URI.create("http://127.0.0.1:" + directory.getAddress().getPort() + "/");
    var router = new TenantDirectoryRouter(base, Duration.ofMinutes(5));
    try (var proxy = new ProxyServer("127.0.0.1:0", router).start()) {
      assertThat(serverPort(proxy, "alice")).isEqualTo(String.valueOf(serverA.getPort()));
      assertThat(serverPort(proxy, "bob")).isEqualTo(String.valueOf(serverB.getPort()));
      int afterFirst = lookups.get();
      assertThat(serverPort(proxy, "alice")).isEqualTo(String.valueOf(serverA.getPort()));
      assertThat(lookups.get()).as("second login served from the cache").isEqualTo(afterFirst);

      assertThatThrownBy(() -> serverPort(proxy, "mallory"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));

      failWith = 503;
      try {
        router.evict("bob");
        assertThatThrownBy(() -> serverPort(proxy, "bob"))
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08004"));
        assertThat(serverPort(proxy, "alice")).as("cached tenants ride out the outage")
            .isEqualTo(String.valueOf(serverA.getPort()));
      } finally {
        failWith = 0;
      }
    }
  }
}
