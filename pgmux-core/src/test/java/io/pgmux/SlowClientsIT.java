package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A thousand clients trickling their startup packet block nobody and are cut at the timeout. */
@ExtendWith(Backends.Resolver.class)
class SlowClientsIT {
  private static final int SLOW_CLIENTS = 1_000;

  @Test
  void thousandSlowClientsNeitherBlockOthersNorOutstayTheTimeout(Backends backends) throws Exception {
    Router router = r -> backends.current().backend();
    Duration timeout = Duration.ofSeconds(3);
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    List<Socket> slow = new ArrayList<>();
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withStartupTimeout(timeout).withEventLoops(2).start()) {
      for (int i = 0; i < SLOW_CLIENTS; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
        socket.setSoTimeout(15_000);
        slow.add(socket);
      }
      // One byte of a startup packet per client per second: never enough to finish.
      byte[] packet = {0, 0, 0, 100, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0};
      int[] sent = {0};
      trickle.scheduleAtFixedRate(
          () -> {
            int at = sent[0]++;
            if (at >= packet.length) {
              return;
            }
            for (Socket socket : slow) {
              try {
                socket.getOutputStream().write(packet[at]);
              } catch (IOException closed) {
                // cut by the proxy: expected once the timeout passes
              }
            }
          },
          0,
          1,
          TimeUnit.SECONDS);

      long started = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
          assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
        }
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .as("20 good clients while 1000 trickle")
          .isLessThan(timeout);

      int cut = 0;
      for (Socket socket : slow) {
        InputStream in = socket.getInputStream();
        int first = in.read(); // end of stream, no word (as PostgreSQL), bounded by the socket timeout
        if (first == 'E') {
          in.readAllBytes();
        }
        cut++;
      }
      assertThat(cut).isEqualTo(SLOW_CLIENTS);
      Await.noConnections(proxy);
      assertThat(proxy.stats().refused()).isEqualTo(SLOW_CLIENTS);
    } finally {
      trickle.shutdownNow();
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }
}
