package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay on byte scripts: the login, then blind bytes, back-pressure and the end. */
class RelayTest {
  static final byte[] AUTH_OK = message('R', new byte[] {0, 0, 0, 0});
  static final byte[] KEY = message('K', new byte[] {0, 0, 0, 42, 1, 2, 3, 4});
  static final byte[] READY = message('Z', new byte[] {'I'});

  private final EventLoop loop = newLoop();
  private final ScriptedTransport client = new ScriptedTransport();
  private final ScriptedTransport backend = new ScriptedTransport();
  private final BackendLogin login =
      new BackendLogin(
          new BackendConfig("127.0.0.1", 5432, "postgres", "app"),
          new InetSocketAddress("127.0.0.1", 5432));
  private final long buffersBefore = BufferPool.liveBuffers();
  private Relay relay;

  static EventLoop newLoop() {
    try {
      return new EventLoop("relay-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static byte[] message(char type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
  }

  static byte[] query(String sql) {
    return message('Q', (sql + "\0").getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void closeLoop() throws Exception {
    if (relay != null) {
      relay.release();
    }
    assertThat(BufferPool.liveBuffers()).as("pooled buffers leaked").isEqualTo(buffersBefore);
    loop.selector().close();
  }

  private Relay start() throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", "alice");
    parameters.put("application_name", "test");
    ByteBuffer startup = login.startupMessage(new StartupMessage(3, 0, parameters));
    relay = new Relay(loop, client, backend, login, startup, ByteBuffer.wrap(query("SELECT 1")), () -> {});
    relay.start();
    return relay;
  }

  private void loggedIn() throws Exception {
    start();
    backend.takeWritten();
    backend.feed(ClientStartupTest.concat(AUTH_OK, KEY, READY));
    relay.backendReady(false, true);
    assertThat(login.done()).isTrue();
    relay.established(null, () -> null);
    client.takeWritten();
  }

  @Test
  void sendsTheRewrittenStartupAndWhatFollowedIt() throws Exception {
    start();
    byte[] expected =
        ClientStartupTest.concat(
            ClientStartupTest.startupMessage("user", "postgres", "application_name", "test", "database", "app"),
            query("SELECT 1"));
    assertThat(backend.takeWritten()).isEqualTo(expected);
  }

  @Test
  void followsTheLoginWhateverTheSplitThenRelaysBlind() throws Exception {
    start();
    byte[] login = ClientStartupTest.concat(AUTH_OK, KEY, READY);
    for (int i = 0; i < login.length; i++) {
      backend.feed(new byte[] {login[i]});
    }
    while (!this.login.done()) {
      relay.backendReady(false, true);
    }
    relay.established(null, () -> null);
    assertThat(client.takeWritten()).isEqualTo(login);
    assertThat(this.login.cancelKey()).isEqualTo(new byte[] {0, 0, 0, 42, 1, 2, 3, 4});

    byte[] notMessages = "any bytes at all".getBytes(StandardCharsets.US_ASCII);
    backend.feed(notMessages);
    client.feed(notMessages);
    relay.backendReady(false, true);
    relay.clientReadable();
    assertThat(client.takeWritten()).isEqualTo(notMessages);
    assertThat(backend.takeWritten()).endsWith(notMessages);
    assertThat(relay.loginFailure()).isNull();
  }

  @Test
  void bytesAfterReadyForQueryInTheSameReadFollowIt() throws Exception {
    start();
    byte[] notice = message('N', "SNOTICE\0Mhi\0\0".getBytes(StandardCharsets.US_ASCII));
    backend.feed(ClientStartupTest.concat(AUTH_OK, KEY, READY, notice, new byte[] {'N', 0}));
    relay.backendReady(false, true);
    assertThat(client.takeWritten()).isEqualTo(ClientStartupTest.concat(AUTH_OK, KEY, READY));
    relay.established(null, () -> null);
    relay.clientWritable();
    assertThat(client.takeWritten()).isEqualTo(ClientStartupTest.concat(notice, new byte[] {'N', 0}));
    assertThat(relay.clientAtBoundary()).isFalse();
  }

  @Test
  void stopsReadingWhileTheSinkIsFull() throws Exception {
    loggedIn();
    client.room(3);
    byte[] rows = query("x".repeat(100));
    backend.feed(rows, rows);
    relay.backendReady(false, true);
    assertThat(client.takeWritten()).hasSize(3);
    assertThat(backend.reads()).isEqualTo(2); // login, then one read: the rest waits
    assertThat(relay.backendOps() & OP_READ).isZero();
    assertThat(relay.clientOps() & OP_WRITE).isNotZero();
    assertThat(relay.clientAtBoundary()).isFalse();

    client.room(Long.MAX_VALUE);
    relay.clientWritable();
    byte[] out = client.takeWritten();
    assertThat(out).hasSize(2 * rows.length - 3);
    assertThat(relay.backendOps() & OP_READ).isNotZero();
    assertThat(relay.clientAtBoundary()).isTrue();
  }

  @Test
  void reportsABackendThatClosesDuringLogin() throws Exception {
    start();
    backend.feed(AUTH_OK);
    backend.end();
    relay.backendReady(false, true);
    relay.backendReady(false, true);
    assertThat(relay.loginFailure().sqlState()).isEqualTo("08006");
  }

  @Test
  void reportsABackendThatBreaksTheProtocol() throws Exception {
    start();
    backend.feed("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    relay.backendReady(false, true);
    assertThat(relay.loginFailure().sqlState()).isEqualTo("08P01");
    assertThat(relay.loginFailure().message()).contains("broke the protocol");
    assertThat(client.takeWritten()).isEmpty();
  }

  @Test
  void passesALoginErrorAndFinishesWhenTheBackendCloses() throws Exception {
    start();
    byte[] error = message('E', "SFATAL\0C28P01\0Mno\0\0".getBytes(StandardCharsets.US_ASCII));
    backend.feed(error);
    backend.end();
    relay.backendReady(false, true);
    relay.backendReady(false, true);
    assertThat(relay.loginFailure()).isNull();
    assertThat(client.takeWritten()).isEqualTo(error);
    assertThat(relay.finished()).isTrue();
  }

  @Test
  void finishesOnceWhatTheClosingSideSentIsDelivered() throws Exception {
    loggedIn();
    byte[] terminate = message('X', new byte[0]);
    backend.room(0);
    client.feed(terminate);
    client.end();
    relay.clientReadable();
    assertThat(relay.finished()).isFalse();
    backend.room(Long.MAX_VALUE);
    relay.backendReady(true, false);
    assertThat(backend.takeWritten()).isEqualTo(terminate);
    assertThat(relay.finished()).isTrue();
    assertThat(Arrays.asList(relay.bytesFromClient())).containsExactly((long) terminate.length);
  }
}
