package io.pgmux.samples.demo;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyServer;
import io.pgmux.StaticRouter;
import io.pgmux.TlsConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The newcomer's demo: two embedded PostgreSQL servers, one tenant on each, and one pgMux proxy
 * in front of both. Run it with {@code ./mvnw -q -pl samples -am -Pdemo -DskipTests verify}, then
 * use the psql commands it prints.
 *
 * <p>Routes: {@code alice} goes to server A, {@code bob} to server B, and {@code carol} to server B
 * logged in as {@code bob} (a rewritten user). The servers trust local connections, so psql asks
 * for no password.
 */
public final class Demo implements AutoCloseable {
  private final EmbeddedPostgres serverA;
  private final EmbeddedPostgres serverB;
  private final ProxyServer proxy;

  private Demo(EmbeddedPostgres serverA, EmbeddedPostgres serverB, ProxyServer proxy) {
    this.serverA = serverA;
    this.serverB = serverB;
    this.proxy = proxy;
  }

  /** Starts both servers (in parallel) and the proxy on {@code 127.0.0.1:port}. */
  public static Demo start(int port) throws Exception {
    CompletableFuture<EmbeddedPostgres> b = CompletableFuture.supplyAsync(() -> tenantServer("bob"));
    EmbeddedPostgres a = tenantServer("alice");
    EmbeddedPostgres serverB = b.join();
    StaticRouter router =
        new StaticRouter()
            .put("alice", BackendConfig.of("127.0.0.1", a.getPort()))
            .put("bob", BackendConfig.of("127.0.0.1", serverB.getPort()))
            .put("carol", BackendConfig.of("127.0.0.1", serverB.getPort()).withUser("bob"));
    ProxyServer proxy =
        new ProxyServer("127.0.0.1:" + port, router).withTls(TlsConfig.of(selfSignedContext())).start();
    return new Demo(a, serverB, proxy);
  }

  /** An embedded server with one tenant role that owns a table naming its server. */
  private static EmbeddedPostgres tenantServer(String tenant) {
    try {
      EmbeddedPostgres server =
          EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
      try (Connection c = server.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE ROLE " + tenant + " LOGIN");
        s.execute("CREATE TABLE tenant_info (tenant text, server_port int)");
        s.execute("INSERT INTO tenant_info VALUES ('" + tenant + "', " + server.getPort() + ")");
        s.execute("GRANT SELECT ON tenant_info TO " + tenant);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A throwaway certificate for localhost, made with the JDK's keytool, so that {@code
   * sslmode=require} works in the demo without any files to manage.
   */
  private static SSLContext selfSignedContext() throws Exception {
    Path dir = Files.createTempDirectory("pgmux-demo-tls");
    Path store = dir.resolve("demo.p12");
    char[] password = "pgmux-demo".toCharArray();
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "pgmux-demo", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "7", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(password))
            .redirectErrorStream(true)
            .start();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException(
          "keytool failed: " + new String(keytool.getInputStream().readAllBytes()));
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, password);
    }
    Files.delete(store);
    Files.delete(dir);
    KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    managers.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(managers.getKeyManagers(), null, null);
    return context;
  }

  public ProxyServer proxy() {
    return proxy;
  }

  /** Returns the psql command for {@code user}, as printed. */
  public String psqlCommand(String user, String sslmode) {
    return "psql \"host=127.0.0.1 port=" + proxy.port() + " user=" + user
        + " dbname=postgres sslmode=" + sslmode + "\" -c \"SELECT * FROM tenant_info\"";
  }

  String banner() {
    return String.join(
        "\n",
        "",
        "pgMux demo is running: one proxy, two embedded PostgreSQL servers.",
        "",
        "  proxy     127.0.0.1:" + proxy.port() + "  (plain, or TLS with sslmode=require)",
        "  server A  127.0.0.1:" + serverA.getPort() + "  tenant alice",
        "  server B  127.0.0.1:" + serverB.getPort() + "  tenant bob; carol is logged in as bob",
        "",
        "Try:",
        "  " + psqlCommand("alice", "disable"),
        "  " + psqlCommand("bob", "require"),
        "  " + psqlCommand("carol", "prefer"),
        "  " + psqlCommand("mallory", "disable") + "   # no route: refused",
        "",
        "Each session is logged below when it ends. Press Ctrl-C to stop.",
        "");
  }

  @Override
  public void close() throws IOException {
    proxy.close();
    try {
      serverA.close();
    } finally {
      serverB.close();
    }
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
    }
    int port = Integer.parseInt(System.getProperty("pgmux.demo.port", "5434"));
    Demo demo = start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    demo.close();
                  } catch (IOException e) {
                    e.printStackTrace();
                  }
                  stopped.countDown();
                }));
    System.out.println(demo.banner());
    stopped.await();
  }
}
