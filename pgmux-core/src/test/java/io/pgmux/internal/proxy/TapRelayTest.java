package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.internal.tap.TappedSession;
import io.pgmux.test.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay with a message tap, on byte scripts: every action, order and back-pressure. */
class TapRelayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** What the test tap was shown. */
  record Seen(boolean fromBackend, char type, int length, int bodySeen, boolean whole) {}

  private final EventLoop loop = RelayTest.newLoop();
  private final ScriptedTransport client = new ScriptedTransport();
  private final ScriptedTransport backend = new ScriptedTransport();
  private final BackendLogin login =
      new BackendLogin(BackendConfig.of("127.0.0.1", 5432), new InetSocketAddress("127.0.0.1", 5432));
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger ended = new AtomicInteger();
  private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
  private final ByteArrayOutputStream toBackend = new ByteArrayOutputStream();
  private final long buffersBefore = BufferPool.liveBuffers();
  private volatile Function<Seen, TapAction> actions = m -> TapAction.PASS;
  private volatile TappedSession session;
  private Relay relay;

  @AfterEach
  void stop() throws Exception {
    onLoop(
        () -> {
          relay.release();
          return null;
        });
    assertThat(ended).hasValue(1);
    assertThat(BufferPool.liveBuffers()).as("pooled buffers leaked").isEqualTo(buffersBefore);
    loop.shutdown();
    loop.awaitTermination(5_000);
  }

  private <T> T onLoop(Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(
        () -> {
          try {
            result.complete(work.call());
          } catch (Throwable e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(10, TimeUnit.SECONDS);
  }

  private final MessageTap tap =
      new MessageTap() {
        @Override
        public TapAction fromClient(TapMessage m) {
          return record(false, m);
        }

        @Override
        public TapAction fromBackend(TapMessage m) {
          return record(true, m);
        }

        @Override
        public void ended() {
          ended.incrementAndGet();
        }

        private TapAction record(boolean fromBackend, TapMessage m) {
          Seen s = new Seen(fromBackend, (char) m.type(), m.length(), m.body().remaining(), m.whole());
          seen.add(s);
          return actions.apply(s);
        }
      };

  private final SessionTaps taps =
      new SessionTaps() {
        @Override
        public Refusal admit(RouteRequest request, BackendConfig backend) {
          return null;
        }

        @Override
        public MessageTap open(TappedSession tapped) {
          session = tapped;
          return tap;
        }
      };

  /** Logs in through the relay and opens the tap, as the session does after ReadyForQuery. */
  private void established() throws Exception {
    loop.start();
    onLoop(
        () -> {
          ByteBuffer startup = login.startupMessage(new StartupMessage(3, 0, Map.of("user", "alice")));
          relay = new Relay(loop, client, backend, login, startup, ByteBuffer.allocate(0), () -> {});
          relay.start();
          backend.feed(ClientStartupTest.concat(RelayTest.AUTH_OK, RelayTest.KEY, RelayTest.READY));
          relay.backendReady(false, true);
          assertThat(login.done()).isTrue();
          relay.established(taps, () -> null);
          backend.takeWritten();
          client.takeWritten();
          return null;
        });
    assertThat(session).isNotNull();
  }

  /** Feeds bytes from the backend and the client, and lets the relay read them. */
  private void fromBackend(byte[]... chunks) throws Exception {
    onLoop(
        () -> {
          backend.feed(chunks);
          relay.backendReady(false, true);
          selectWhileReadable();
          return null;
        });
  }

  private void fromClient(byte[]... chunks) throws Exception {
    onLoop(
        () -> {
          client.feed(chunks);
          relay.clientReadable();
          selectWhileReadable();
          return null;
        });
  }

  /**
   * Reports readiness as the loop's level-triggered selector does: a side stays readable while
   * its input (or its end) waits unread and the relay asks to read. The relay stops reading after
   * a short read and counts on this.
   */
  private void selectWhileReadable() throws IOException {
    for (int i = 0; i < 10_000; i++) {
      boolean clientReady = client.readable() && (relay.clientOps() & SelectionKey.OP_READ) != 0;
      boolean backendReady = backend.readable() && (relay.backendOps() & SelectionKey.OP_READ) != 0;
      if (!clientReady && !backendReady) {
        return;
      }
      if (clientReady) {
        relay.clientReadable();
      }
      if (backendReady) {
        relay.backendReady(false, true);
      }
    }
    throw new AssertionError("still asked to read after 10 000 events");
  }

  /** Collects what reached each side so far. */
  private void collect() throws Exception {
    onLoop(
        () -> {
          relay.clientWritable();
          relay.backendReady(true, false);
          selectWhileReadable();
          toClient.writeBytes(client.takeWritten());
          toBackend.writeBytes(backend.takeWritten());
          return null;
        });
  }

  private byte[] receivedByClient() throws Exception {
    collect();
    return toClient.toByteArray();
  }

  private byte[] receivedByBackend() throws Exception {
    collect();
    return toBackend.toByteArray();
  }

  static byte[] dataRow(int size) {
    return RelayTest.message('D', new byte[size]);
  }

  static final byte[] COMPLETE = RelayTest.message('C', "SELECT 1\0".getBytes(StandardCharsets.US_ASCII));

  @Test
  void showsEveryMessageWhateverTheSplitAndPassesTheBytes() throws Exception {
    established();
    byte[] query = RelayTest.query("SELECT 1");
    fromClient(new byte[] {query[0]}, java.util.Arrays.copyOfRange(query, 1, 7), java.util.Arrays.copyOfRange(query, 7, query.length));
    byte[] answer = ClientStartupTest.concat(dataRow(3), COMPLETE, RelayTest.READY);
    fromBackend(answer);

    assertThat(receivedByBackend()).isEqualTo(query);
    assertThat(receivedByClient()).isEqualTo(answer);
    assertThat(seen)
        .containsExactly(
            new Seen(false, 'Q', query.length - 1, query.length - 5, true),
            new Seen(true, 'D', 7, 3, true),
            new Seen(true, 'C', COMPLETE.length - 1, COMPLETE.length - 5, true),
            new Seen(true, 'Z', 5, 1, true));
  }

  @Test
  void aShortReadEndsTheReadsOfAnEvent() throws Exception {
    established();
    int emptyBefore = onLoop(() -> client.emptyReads() + backend.emptyReads());
    byte[] query = RelayTest.query("SELECT 1");
    fromClient(query);
    byte[] answer = ClientStartupTest.concat(dataRow(3), COMPLETE, RelayTest.READY);
    fromBackend(answer);
    assertThat(onLoop(() -> client.emptyReads() + backend.emptyReads()))
        .as("reads that found nothing, after reads that did not fill the buffer")
        .isEqualTo(emptyBefore);
    assertThat(receivedByBackend()).isEqualTo(query);
    assertThat(receivedByClient()).isEqualTo(answer);
  }

  @Test
  void showsThePrefixOfALongMessageAndStreamsTheRest() throws Exception {
    established();
    byte[] big = dataRow(MessageTap.WHOLE_BODY_LIMIT + 100_000);
    for (int at = 0; at < big.length; at += 10_000) {
      fromBackend(java.util.Arrays.copyOfRange(big, at, Math.min(big.length, at + 10_000)));
      collect();
    }
    fromBackend(RelayTest.READY);
    assertThat(receivedByClient()).isEqualTo(ClientStartupTest.concat(big, RelayTest.READY));
    assertThat(seen)
        .containsExactly(
            new Seen(true, 'D', big.length - 1, MessageTap.WHOLE_BODY_LIMIT, false),
            new Seen(true, 'Z', 5, 1, true));
  }

  @Test
  void replacesAMessage() throws Exception {
    established();
    byte[] replacement = ClientStartupTest.concat(RelayTest.query("SELECT 2"), RelayTest.query("SELECT 3"));
    actions = m -> m.type() == 'Q' ? new TapAction.Replace(ByteBuffer.wrap(replacement)) : TapAction.PASS;
    fromClient(RelayTest.query("SELECT 1"), RelayTest.message('S', new byte[0]));
    assertThat(receivedByBackend())
        .isEqualTo(ClientStartupTest.concat(replacement, RelayTest.message('S', new byte[0])));
  }

  @Test
  void replacingALongMessageDropsItsRest() throws Exception {
    established();
    actions = m -> m.type() == 'd' ? new TapAction.Replace(ByteBuffer.allocate(0)) : TapAction.PASS;
    byte[] copyData = RelayTest.message('d', new byte[MessageTap.WHOLE_BODY_LIMIT + 5_000]);
    byte[] done = RelayTest.message('c', new byte[0]);
    fromClient(copyData, done);
    for (int i = 0; i < 5; i++) {
      fromClient();
    }
    assertThat(receivedByBackend()).isEqualTo(done);
  }

  @Test
  void delaysADirectionKeepingItsOrder() throws Exception {
    established();
    long start = System.nanoTime();
    actions = m -> m.type() == 'D' ? new TapAction.Delay(Duration.ofMillis(300)) : TapAction.PASS;
    byte[] answer = ClientStartupTest.concat(dataRow(2), COMPLETE, RelayTest.READY);
    fromBackend(answer);
    assertThat(receivedByClient()).isEmpty();
    fromClient(RelayTest.query("SELECT 1")); // the other direction flows meanwhile
    assertThat(receivedByBackend()).isEqualTo(RelayTest.query("SELECT 1"));
    Await.until("delayed messages arrive", WAIT, () -> call(() -> receivedByClient().length == answer.length));
    assertThat(receivedByClient()).isEqualTo(answer);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
  }

  @Test
  void messagesOfOneReadThatPassGoOutInOneWrite() throws Exception {
    established();
    int before = onLoop(client::writes);
    byte[] answer = ClientStartupTest.concat(dataRow(3), COMPLETE, RelayTest.READY);
    fromBackend(answer);
    assertThat(receivedByClient()).isEqualTo(answer);
    assertThat(onLoop(client::writes) - before).isEqualTo(1);
    assertThat(seen).extracting(Seen::type).containsExactly('D', 'C', 'Z');
  }

  @Test
  void aMessageTakenOutOfAReadKeepsTheOrderAroundIt() throws Exception {
    established();
    byte[] replacement = RelayTest.query("SELECT 2");
    actions = m -> m.type() == 'Q' && m.length() == 13 ? new TapAction.Replace(ByteBuffer.wrap(replacement)) : TapAction.PASS;
    byte[] sync = RelayTest.message('S', new byte[0]);
    fromClient(ClientStartupTest.concat(sync, RelayTest.query("SELECT 1"), sync, RelayTest.query("SELECT 10")));
    assertThat(receivedByBackend())
        .isEqualTo(ClientStartupTest.concat(sync, replacement, sync, RelayTest.query("SELECT 10")));
  }

  @Test
  void aHeldMessageInsideOneReadLetsTheEarlierOnesGo() throws Exception {
    established();
    actions = m -> m.type() == 'Z' ? new TapAction.Hold() : TapAction.PASS;
    fromBackend(ClientStartupTest.concat(COMPLETE, RelayTest.READY, COMPLETE));
    assertThat(receivedByClient()).isEqualTo(COMPLETE);
    actions = m -> TapAction.PASS;
    session.resume();
    Await.until("held message goes on", WAIT, () -> call(() -> receivedByClient().length == 2 * COMPLETE.length + 6));
    assertThat(receivedByClient()).isEqualTo(ClientStartupTest.concat(COMPLETE, RelayTest.READY, COMPLETE));
  }

  @Test
  void terminatingInsideOneReadSendsWhatPassedBeforeTheFatal() throws Exception {
    established();
    actions = m -> m.type() == 'C' ? new TapAction.Terminate("57P01", "pgmux: test says goodbye") : TapAction.PASS;
    fromBackend(ClientStartupTest.concat(dataRow(1), dataRow(2), COMPLETE, RelayTest.READY));
    byte[] fatal = io.pgmux.internal.protocol.BackendMessages.fatal("57P01", "pgmux: test says goodbye").array();
    assertThat(receivedByClient()).isEqualTo(ClientStartupTest.concat(dataRow(1), dataRow(2), fatal));
    assertThat(onLoop(() -> relay.finished())).isTrue();
  }

  @Test
  void aFullSinkTakesWhatPassedInPlaceInPieces() throws Exception {
    established();
    byte[] answer = ClientStartupTest.concat(dataRow(10), dataRow(20), COMPLETE, RelayTest.READY);
    onLoop(
        () -> {
          client.room(7);
          return null;
        });
    fromBackend(answer);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int i = 0; i < 100 && got.size() < answer.length; i++) {
      got.writeBytes(onLoop(
          () -> {
            client.room(7);
            relay.clientWritable();
            return client.takeWritten();
          }));
    }
    assertThat(got.toByteArray()).isEqualTo(answer);
  }

  @Test
  void holdsUntilResumed() throws Exception {
    established();
    actions = m -> m.type() == 'Z' ? new TapAction.Hold() : TapAction.PASS;
    fromBackend(COMPLETE, RelayTest.READY, COMPLETE);
    assertThat(receivedByClient()).isEqualTo(COMPLETE);
    assertThat(onLoop(() -> backend.drained())).as("reading stops behind a held message").isFalse();
    actions = m -> TapAction.PASS;
    session.resume(); // from another thread
    Await.until("held message goes on", WAIT, () -> call(() -> receivedByClient().length == 2 * COMPLETE.length + 6));
    assertThat(receivedByClient()).isEqualTo(ClientStartupTest.concat(COMPLETE, RelayTest.READY, COMPLETE));
  }

  @Test
  void terminatesInPlaceOfABackendMessage() throws Exception {
    established();
    actions = m -> m.type() == 'C' ? new TapAction.Terminate("57P01", "pgmux: test says goodbye") : TapAction.PASS;
    fromBackend(dataRow(1), COMPLETE, RelayTest.READY);
    byte[] out = receivedByClient();
    byte[] fatal = io.pgmux.internal.protocol.BackendMessages.fatal("57P01", "pgmux: test says goodbye").array();
    assertThat(out).isEqualTo(ClientStartupTest.concat(dataRow(1), fatal));
    assertThat(onLoop(() -> relay.finished())).isTrue();
  }

  @Test
  void terminatingOnAClientMessageWaitsForTheBackendsMessageToEnd() throws Exception {
    established();
    actions = m -> m.type() == 'X' ? new TapAction.Terminate("08006", "pgmux: bye") : TapAction.PASS;
    // A long row whose start is already on its way to the client: the FATAL must wait for its end.
    byte[] row = dataRow(MessageTap.WHOLE_BODY_LIMIT + 1_000);
    int half = MessageTap.WHOLE_BODY_LIMIT + 500;
    for (int at = 0; at < half; at += 20_000) {
      fromBackend(java.util.Arrays.copyOfRange(row, at, Math.min(half, at + 20_000)));
    }
    fromClient(RelayTest.message('X', new byte[0]));
    assertThat(receivedByBackend()).isEmpty();
    assertThat(onLoop(() -> relay.finished())).isFalse();
    fromBackend(java.util.Arrays.copyOfRange(row, half, row.length), COMPLETE);
    byte[] fatal = io.pgmux.internal.protocol.BackendMessages.fatal("08006", "pgmux: bye").array();
    assertThat(receivedByClient()).isEqualTo(ClientStartupTest.concat(row, fatal));
    assertThat(onLoop(() -> relay.finished())).isTrue();
  }

  @Test
  void terminatingOnAClientMessageDropsABackendMessageNotYetSent() throws Exception {
    established();
    actions = m -> m.type() == 'X' ? new TapAction.Terminate("08006", "pgmux: bye") : TapAction.PASS;
    byte[] row = dataRow(100);
    fromBackend(java.util.Arrays.copyOfRange(row, 0, 50));
    fromClient(RelayTest.message('X', new byte[0]));
    byte[] fatal = io.pgmux.internal.protocol.BackendMessages.fatal("08006", "pgmux: bye").array();
    assertThat(receivedByClient()).isEqualTo(fatal);
    assertThat(onLoop(() -> relay.finished())).isTrue();
  }

  @Test
  void terminateFromOutsideWhenIdleIsAtOnce() throws Exception {
    established();
    session.terminate("57P05", "pgmux: idle");
    byte[] fatal = io.pgmux.internal.protocol.BackendMessages.fatal("57P05", "pgmux: idle").array();
    Await.until("FATAL sent", WAIT, () -> call(() -> receivedByClient().length == fatal.length));
    assertThat(onLoop(() -> relay.finished())).isTrue();
  }

  @Test
  void cutsAtOnce() throws Exception {
    established();
    actions = m -> m.type() == 'Q' ? new TapAction.Cut() : TapAction.PASS;
    fromClient(RelayTest.query("SELECT 1"));
    assertThat(receivedByBackend()).isEmpty();
    assertThat(onLoop(() -> relay.finished() && relay.wasCut())).isTrue();
  }

  @Test
  void aFullSinkStopsTheReadsWithOneMessageHeld() throws Exception {
    established();
    onLoop(
        () -> {
          client.room(0);
          return null;
        });
    byte[] row = dataRow(MessageTap.WHOLE_BODY_LIMIT);
    byte[][] rows = new byte[20][];
    java.util.Arrays.fill(rows, row);
    fromBackend(rows);
    for (int i = 0; i < 5; i++) {
      fromBackend();
    }
    int reads = onLoop(() -> backend.reads());
    assertThat(reads).as("reads while the client takes nothing").isLessThanOrEqualTo(4);
    assertThat(onLoop(() -> relay.backendOps() & java.nio.channels.SelectionKey.OP_READ)).isZero();
    onLoop(
        () -> {
          client.room(Long.MAX_VALUE);
          return null;
        });
    for (int i = 0; i < 100 && receivedByClient().length < 20 * row.length; i++) {
      fromBackend();
    }
    assertThat(receivedByClient()).hasSize(20 * row.length);
    assertThat(seen).hasSize(20);
  }

  private boolean call(Callable<Boolean> check) {
    try {
      return check.call();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
