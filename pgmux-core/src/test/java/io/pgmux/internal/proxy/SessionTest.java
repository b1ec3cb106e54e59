package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A session on a real loopback socket, with a host that routes nowhere. */
class SessionTest {
  private final EventLoop loop = RelayTest.newLoop();
  private final CompletableFuture<Long> ended = new CompletableFuture<>();

  @AfterEach
  void stop() throws Exception {
    loop.shutdown();
    loop.awaitTermination(5_000);
  }

  /** Settings for sessions that route nowhere. */
  static Settings settings(Duration startupTimeout) {
    return new Settings(
        new InetSocketAddress(0), r -> null, null, false, startupTimeout, Duration.ofSeconds(10),
        Duration.ofSeconds(10), 100, 0, 1, 1, null, null, null, null);
  }

  private SessionHost host(Duration startupTimeout) {
    Settings settings = settings(startupTimeout);
    return new SessionHost() {
      @Override
      public Settings settings() {
        return settings;
      }

      @Override
      public Executor tlsTasks() {
        return Runnable::run;
      }

      @Override
      public CompletableFuture<Route> route(RouteRequest request) {
        return new CompletableFuture<>();
      }

      @Override
      public boolean acquireBackend(BackendConfig backend) {
        return true;
      }

      @Override
      public void releaseBackend(BackendConfig backend) {}

      @Override
      public void cancelKeyIssued(byte[] key, InetSocketAddress backend, byte[] backendKey) {}

      @Override
      public void cancelKeyRetired(byte[] key, InetSocketAddress backend) {}

      @Override
      public void forwardCancel(CancelRequest request) {}

      @Override
      public void sessionStarted(SessionInfo info) {}

      @Override
      public void clientRefused(RouteRequest request, String sqlState, String message) {}

      @Override
      public void sessionEnded(long id, SessionInfo info) {
        ended.complete(id);
      }
    };
  }

  @Test
  void aRefusedClientThatNeverReadsIsNotWaitedForForever() throws Exception {
    loop.start();
    try (ServerSocketChannel server = ServerSocketChannel.open();
        SocketChannel client = SocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      client.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
      client.connect(server.getLocalAddress());
      SocketChannel proxySide = server.accept();
      proxySide.configureBlocking(false);
      proxySide.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
      // The client reads nothing, so once the socket's buffers are full no error fits in them.
      ByteBuffer filler = ByteBuffer.allocate(64 * 1024);
      while (proxySide.write(filler.clear()) > 0) {
        // fill
      }
      long start = System.nanoTime();
      SessionHost host = host(Duration.ofMillis(200));
      loop.execute(
          () -> {
            try {
              new Session(host, loop, 7, proxySide).open(true);
            } catch (java.io.IOException e) {
              ended.completeExceptionally(e);
            }
          });
      // The proxy is full, so the client is refused at once; its error cannot be written, and
      // the refusal's own timer ends the session.
      assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo(7);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(proxySide.isOpen()).isFalse();
    }
  }
}
