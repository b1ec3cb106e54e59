package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.pgmux.test.Backends;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a router is told: the startup parameters as sent, TLS, and the SNI server name. */
@ExtendWith(Backends.Resolver.class)
class RouteRequestIT {
  private final LinkedBlockingQueue<RouteRequest> requests = new LinkedBlockingQueue<>();
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    Router router =
        request -> {
          requests.add(request);
          return backends.current().backend();
        };
    proxy = new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  private RouteRequest nextRequest() throws InterruptedException {
    RouteRequest request = requests.poll(10, TimeUnit.SECONDS);
    assertThat(request).as("a route request").isNotNull();
    return request;
  }

  @Test
  void plainStartupParametersInTheClientsOrder() throws Exception {
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(
          RawClient.startupMessage(
              0, "application_name", "billing", "user", "postgres", "options", "-c work_mem=8MB"));
      assertThat(raw.readUntilReady()).isNull();
    }
    RouteRequest request = nextRequest();
    assertThat(request.tls()).isFalse();
    assertThat(request.serverName()).isNull();
    assertThat(request.user()).isEqualTo("postgres");
    assertThat(request.database()).isEqualTo("postgres");
    assertThat(request.parameters())
        .containsExactly(
            entry("application_name", "billing"),
            entry("user", "postgres"),
            entry("options", "-c work_mem=8MB"));
    assertThat(request.clientAddress().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void sslRequestWithSni() throws Exception {
    Socket plain = connect();
    plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
    assertThat(plain.getInputStream().read()).isEqualTo('S');
    try (SSLSocket tls = tls(plain, "tenant-a.db.test")) {
      login(tls, "app");
    }
    RouteRequest request = nextRequest();
    assertThat(request.tls()).isTrue();
    assertThat(request.serverName()).isEqualTo("tenant-a.db.test");
    assertThat(request.database()).isEqualTo("app");
  }

  @Test
  void directTlsWithSni() throws Exception {
    try (SSLSocket tls = tls(connect(), "tenant-b.db.test", "postgresql")) {
      login(tls, "postgres");
    }
    RouteRequest request = nextRequest();
    assertThat(request.tls()).isTrue();
    assertThat(request.serverName()).isEqualTo("tenant-b.db.test");
  }

  @Test
  void tlsWithoutSni() throws Exception {
    Socket plain = connect();
    plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
    assertThat(plain.getInputStream().read()).isEqualTo('S');
    try (SSLSocket tls = tls(plain, null)) {
      login(tls, "postgres");
    }
    RouteRequest request = nextRequest();
    assertThat(request.tls()).isTrue();
    assertThat(request.serverName()).isNull();
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Layers TLS over {@code plain}, naming {@code serverName} in SNI (none when null). */
  private SSLSocket tls(Socket plain, String serverName, String... alpn) throws IOException {
    SSLSocket tls =
        (SSLSocket)
            TestTls.clientContext()
                .getSocketFactory()
                .createSocket(plain, "127.0.0.1", proxy.port(), true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
    parameters.setApplicationProtocols(alpn);
    tls.setSSLParameters(parameters);
    tls.startHandshake();
    return tls;
  }

  /** Logs in as the trusted superuser and reads up to ReadyForQuery. */
  private static void login(SSLSocket tls, String database) throws IOException {
    tls.getOutputStream()
        .write(RawClient.startupMessage(0, "user", "postgres", "database", database));
    DataInputStream in = new DataInputStream(tls.getInputStream());
    int type;
    do {
      type = in.readUnsignedByte();
      in.readFully(new byte[in.readInt() - 4]);
      assertThat((char) type).as("no ErrorResponse").isNotEqualTo('E');
    } while (type != 'Z');
  }
}
