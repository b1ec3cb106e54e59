package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import io.pgmux.test.StartupMutator;
import io.pgmux.test.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Thousands of hostile startup packets over real sockets: each ends in an answer the protocol
 * allows (an SSL/GSS answer byte, an ErrorResponse, a close) within the startup timeout, and the
 * proxy keeps serving good clients with nothing leaked.
 */
@ExtendWith(Backends.Resolver.class)
class StartupFuzzIT {
  private static final long SEED = Long.getLong("pgmux.fuzz.seed", 20261128L);
  private static final int INPUTS = Integer.getInteger("pgmux.fuzz.inputs", 3_000);

  @Test
  void everyHostileStartupEndsCleanly(Backends backends) throws Exception {
    // Routes nobody: a startup message that survives mutation is refused with 28000.
    Router router = r -> r.user().equals("scram_user") ? backends.current().backend() : null;
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    ExecutorService clients = Executors.newFixedThreadPool(100);
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router)
            .withTls(TestTls.rsa())
            .withStartupTimeout(Duration.ofSeconds(1))
            .start()) {
      StartupMutator mutator = new StartupMutator(SEED);
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < INPUTS; i++) {
        byte[] input = mutator.next();
        int index = i;
        runs.add(clients.submit(() -> {
          String outcome = exchange(proxy.port(), input);
          if (outcome.startsWith("unexpected")) {
            throw new AssertionError("input " + index + " of seed " + SEED + ": " + outcome);
          }
          outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get(60, TimeUnit.SECONDS);
      }
      try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
        assertThat(Jdbc.queryString(c, "SELECT 'still serving'")).isEqualTo("still serving");
      }
      Await.noConnections(proxy);
    } finally {
      clients.shutdownNow();
    }
    assertThat(BufferPool.liveBuffers()).isZero();
    System.out.println("startup fuzz, seed " + SEED + ", " + INPUTS + " inputs: " + outcomes);
    assertThat(outcomes.keySet()).contains("error 08P01", "closed");
  }

  /** Sends the input and classifies everything the proxy sends back until it closes. */
  private static String exchange(int port, byte[] input) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000); // the startup timeout is 1 s: a hang shows as a timeout here
      try {
        socket.getOutputStream().write(input);
      } catch (IOException e) {
        return "closed"; // refused before we finished writing
      }
      InputStream in = socket.getInputStream();
      byte[] answer;
      try {
        answer = in.readAllBytes();
      } catch (java.net.SocketTimeoutException e) {
        return "unexpected: no answer and no close within 10 s";
      } catch (IOException e) {
        return "closed"; // reset
      }
      int at = 0;
      String prefix = "";
      if (answer.length > 0 && (answer[0] == 'S' || answer[0] == 'N')) {
        prefix = "answered " + (char) answer[0] + ", ";
        at = 1;
      }
      if (at == answer.length) {
        return prefix + "closed";
      }
      if (isTlsAlert(answer, at)) {
        // A ClientHello (0x16 first) that the TLS engine rejects gets a fatal alert, as from
        // OpenSSL, then the close.
        return prefix + "TLS alert";
      }
      if (answer[at] != 'E' || answer.length - at < 5) {
        return "unexpected bytes " + java.util.HexFormat.of().formatHex(answer, 0, Math.min(answer.length, 32));
      }
      int length = ByteBuffer.wrap(answer, at + 1, 4).getInt();
      if (at + 1 + length != answer.length) {
        return "unexpected trailing bytes after ErrorResponse";
      }
      byte[] body = new byte[length - 4];
      System.arraycopy(answer, at + 5, body, 0, body.length);
      String code = new RawClient.Message('E', body).fields().get('C');
      return code.equals("08P01") || code.equals("28000") || code.equals("0A000")
          ? prefix + "error " + code
          : "unexpected SQLSTATE " + code + " " + new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Returns true if the answer from {@code at} on is exactly one fatal TLS alert record. */
  private static boolean isTlsAlert(byte[] answer, int at) {
    return answer.length - at == 7
        && answer[at] == 0x15
        && answer[at + 1] == 0x03
        && answer[at + 3] == 0
        && answer[at + 4] == 2
        && answer[at + 5] == 2;
  }
}
