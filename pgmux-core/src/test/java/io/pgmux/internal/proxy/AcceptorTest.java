package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.net.EventLoop;
import io.pgmux.test.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The acceptor when accept() fails, as it does when the process runs out of descriptors. */
class AcceptorTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final EventLoop loop = RelayTest.newLoop();
  private final ProxyHost host = new ProxyHost(SessionTest.settings(Duration.ofSeconds(5)));
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger("io.pgmux");
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @AfterEach
  void stop() throws Exception {
    logger.removeHandler(handler);
    loop.shutdown();
    loop.awaitTermination(5_000);
    host.close(5_000);
  }

  @Test
  void pausesForLongerAndLongerWhileAcceptFailsThenRecovers() throws Exception {
    logger.addHandler(handler);
    AtomicInteger attempts = new AtomicInteger();
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open();
        Socket client = new Socket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.configureBlocking(false);
      boolean[] failing = {true};
      Acceptor acceptor =
          new Acceptor(
              () -> {
                attempts.incrementAndGet();
                if (failing[0]) {
                  throw new IOException("Too many open files");
                }
                SocketChannel channel = server.accept();
                if (channel != null) {
                  accepted.add(channel);
                }
                return channel;
              },
              loop,
              new EventLoop[] {loop},
              host);
      server.register(loop.selector(), SelectionKey.OP_ACCEPT, acceptor);
      loop.start();
      client.connect(server.getLocalAddress(), 5_000); // waits in the backlog: the socket stays ready

      Await.until("pauses grow to 160 ms", WAIT, () -> acceptor.pauseMillis() >= 160);
      // 10 + 20 + 40 + 80 ms of pauses, one attempt and one log line each: no spinning.
      assertThat(attempts.get()).isBetween(5, 8);
      assertThat(warnings).hasSizeLessThanOrEqualTo(attempts.get());
      assertThat(warnings.get(0).getMessage()).contains("Too many open files").contains("10 ms");

      loop.execute(() -> failing[0] = false);
      Await.until("the waiting client is accepted", WAIT, () -> host.stats().accepted() == 1);
      assertThat(acceptor.pauseMillis()).isZero();
      assertThat(accepted.get(0).getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
      assertThat(accepted.get(0).getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
    }
  }
}
