package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.internal.auth.AuthException;
import io.pgmux.internal.auth.ChannelBinding;
import io.pgmux.internal.auth.ProxyLogin;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.PlainTransport;
import io.pgmux.internal.net.TlsTransport;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.tls.BackendEngines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * What happens on a backend connection between the TCP connect and the relay: TLS as the route's
 * {@link BackendTls} says (SSLRequest and its answer, or a direct handshake), and under proxy-side
 * authentication the proxy's own login up to the backend's first ReadyForQuery.
 *
 * <p>Runs on the session's event loop; {@link #step()} after every readiness event or finished TLS
 * task, then {@link #interestOps()}, until {@link #done()} or {@link #failure()}.
 */
final class BackendHandshake {
  private static final int SSL_REQUEST_CODE = 80877103;

  /** Why the backend connection could not be set up: a SQLSTATE and a client-fit message. */
  record Failure(String sqlState, String message) {}

  /** Makes the proxy's login once TLS is settled, which decides its SCRAM channel binding. */
  @FunctionalInterface
  interface LoginStart {
    /**
     * @param tls whether the connection the login runs on is TLS
     * @param binding tls-server-end-point data of the backend's certificate, or null
     */
    ProxyLogin start(boolean tls, byte[] binding);
  }

  private enum Phase {
    SSL_ANSWER, // SSLRequest sent, waiting for S, N or E
    TLS, // handshaking
    LOGIN, // the proxy logs in (proxy-side authentication)
    DONE,
    FAILED
  }

  private final BackendConfig backend;
  /** The TLS of this connection: the route's, or disable for the plain retry under prefer. */
  private final BackendTls tls;
  private final SocketChannel channel;
  private final BufferPool pool;
  private final Executor tlsTasks;
  private final Runnable tasksDone;
  /** Builds the proxy's login once TLS is settled (its channel binding depends on it); null: passthrough. */
  private final LoginStart proxyLogin;
  /** The startup message for the proxy's login. Draining mode. */
  private ByteBuffer startup;

  private Phase phase;
  private Transport transport;
  /** The same transport while TLS is being set up; null without backend TLS. */
  private TlsTransport tlsTransport;
  private SSLEngine engine;
  /** The answer to SSLRequest as it arrives (an ErrorResponse can be long). Filling mode. */
  private ByteBuffer answer;
  private ProxyLogin login;
  /** Bytes for the backend the transport has not taken. Draining mode; null when none. */
  private ByteBuffer toBackend;
  private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
  private Failure failure;
  /** The failure came from the TLS handshake (or the checks right after it). */
  private boolean tlsFailed;

  /**
   * @param tls the TLS for this connection: {@code backend.tls()}, or {@link BackendTls#disable()}
   *     for the plain attempt that follows a failed handshake under {@code prefer}
   * @param startup the startup message to send for the proxy's own login (unused in passthrough)
   * @param proxyLogin makes the login from the backend's channel binding data (null without TLS),
   *     or null for passthrough, where the client logs in through the relay
   */
  BackendHandshake(
      BackendConfig backend,
      BackendTls tls,
      SocketChannel channel,
      BufferPool pool,
      Executor tlsTasks,
      Runnable tasksDone,
      ByteBuffer startup,
      LoginStart proxyLogin) {
    this.backend = backend;
    this.tls = tls;
    this.channel = channel;
    this.pool = pool;
    this.tlsTasks = tlsTasks;
    this.tasksDone = tasksDone;
    this.startup = startup;
    this.proxyLogin = proxyLogin;
  }

  /** Begins on a connected socket. */
  void start() throws IOException {
    try {
      if (!tls.enabled()) {
        plain();
        return;
      }
      if (tls.negotiation() == BackendTls.Negotiation.DIRECT) {
        startTls();
      } else {
        phase = Phase.SSL_ANSWER;
        answer = ByteBuffer.allocate(1);
        ByteBuffer request = ByteBuffer.allocate(8).putInt(8).putInt(SSL_REQUEST_CODE).flip();
        channel.write(request); // 8 bytes into a fresh socket's empty buffer: always taken whole
        if (request.hasRemaining()) {
          fail("08001", "could not send the SSLRequest");
          return;
        }
      }
    } catch (SSLException e) {
      tlsFailed("TLS with the backend failed: " + e.getMessage());
      return;
    } catch (AuthException e) {
      fail(e.sqlState(), e.getMessage());
      return;
    }
    step();
  }

  /** Goes on as far as the socket allows. */
  void step() throws IOException {
    try {
      switch (phase) {
        case SSL_ANSWER -> readAnswer();
        case TLS -> handshake();
        case LOGIN -> login();
        default -> {}
      }
    } catch (SSLException e) {
      tlsFailed("TLS with the backend failed: " + e.getMessage());
    } catch (IOException e) {
      if (phase != Phase.TLS) {
        throw e;
      }
      // A reset mid-handshake fails the handshake as a TLS error does (libpq retries both).
      tlsFailed("TLS with the backend failed: " + e.getMessage());
    } catch (AuthException e) {
      fail(e.sqlState(), e.getMessage());
    }
  }

  private void readAnswer() throws IOException, AuthException {
    int n = channel.read(answer);
    if (n < 0) {
      fail("08006", "the backend closed the connection after the SSLRequest");
      return;
    }
    if (answer.position() == 0) {
      return;
    }
    byte first = answer.get(0);
    if (first == 'S') {
      startTls();
      handshake();
    } else if (first == 'N') {
      if (tls.mode() == BackendTls.Mode.PREFER) {
        plain();
      } else {
        fail(
            "08001",
            "the backend does not support TLS (it answered N to the SSLRequest), and the route"
                + " requires sslmode="
                + tls.mode());
      }
    } else if (first == 'E') {
      readError();
    } else {
      fail("08P01", "the backend answered the SSLRequest with an invalid byte " + (first & 0xff));
    }
  }

  /** The backend refused the SSLRequest with an ErrorResponse (a server starting up, say). */
  private void readError() throws IOException {
    if (answer.capacity() == 1) {
      answer = ByteBuffer.allocate(5).put(answer.flip());
    }
    if (answer.position() < 5) {
      channel.read(answer);
      if (answer.position() < 5) {
        return;
      }
    }
    int length = answer.getInt(1);
    if (length < 4 || length > 30_000) {
      fail("08P01", "the backend answered the SSLRequest with an invalid error message");
      return;
    }
    if (answer.capacity() < 1 + length) {
      answer = ByteBuffer.allocate(1 + length).put(answer.flip());
    }
    channel.read(answer);
    if (answer.hasRemaining()) {
      return;
    }
    String message = "(no message)";
    for (int i = 5; i < answer.limit() && answer.get(i) != 0; ) {
      int end = i + 1;
      while (end < answer.limit() && answer.get(end) != 0) {
        end++;
      }
      if (answer.get(i) == 'M') {
        message = new String(answer.array(), i + 1, end - i - 1, StandardCharsets.UTF_8);
      }
      i = end + 1;
    }
    fail("08001", "the backend answered the SSLRequest with an error: " + message);
  }

  private void startTls() throws IOException {
    if (answer != null && answer.position() > 1) {
      // CVE-2021-23222: bytes after 'S' came before the handshake and cannot be trusted.
      fail("08P01", "received unencrypted data after the backend's SSL response");
      return;
    }
    phase = Phase.TLS;
    answer = null;
    engine = BackendEngines.create(tls, backend.host(), backend.port());
    tlsTransport = new TlsTransport(channel, engine, pool, ByteBuffer.allocate(0), tlsTasks, tasksDone);
    transport = tlsTransport;
  }

  private void handshake() throws IOException, AuthException {
    if (tlsTransport.busy()) {
      return;
    }
    if (!tlsTransport.flush()) {
      return;
    }
    if (!tlsTransport.handshakeDone()) {
      if (tlsTransport.read(ByteBuffer.allocate(0)) < 0) {
        tlsFailed = true;
        fail("08006", "the backend closed the connection during the TLS handshake");
        return;
      }
      if (!tlsTransport.handshakeDone() || tlsTransport.hasQueuedOutput()) {
        return;
      }
    }
    String problem = BackendEngines.check(tls, engine, backend.host());
    if (problem != null) {
      tlsFailed(problem);
      return;
    }
    settled();
  }

  private void plain() throws IOException, AuthException {
    transport = new PlainTransport(channel);
    answer = null;
    settled();
  }

  /** TLS is as it will be: the relay may begin, or the proxy's own login. */
  private void settled() throws IOException, AuthException {
    if (proxyLogin == null) {
      phase = Phase.DONE;
      return;
    }
    byte[] binding = null;
    if (engine != null) {
      X509Certificate certificate = BackendEngines.serverCertificate(engine);
      binding = certificate == null ? null : ChannelBinding.tlsServerEndPoint(certificate);
    }
    login = proxyLogin.start(engine != null, binding);
    phase = Phase.LOGIN;
    toBackend = startup;
    startup = null;
    login();
  }

  private void login() throws IOException, AuthException {
    ByteBuffer buffer = pool.acquire();
    try {
      while (phase == Phase.LOGIN) {
        if (toBackend != null) {
          transport.write(toBackend);
          if (toBackend.hasRemaining() || !transport.flush()) {
            return;
          }
          wipe(toBackend); // may have held a password
          toBackend = null;
        }
        buffer.clear();
        int n = transport.read(buffer);
        if (n < 0) {
          fail("08006", "closed the connection during the proxy's login");
          return;
        }
        if (n == 0) {
          return;
        }
        buffer.flip();
        ProxyLogin.Output out = login.accept(buffer);
        if (out.toClient() != null) {
          toClient.writeBytes(bytes(out.toClient()));
        }
        toBackend = out.toBackend();
        if (login.sawError()) {
          backendRefused();
          return;
        }
        if (login.ready()) {
          phase = Phase.DONE;
        }
      }
    } finally {
      pool.release(buffer);
    }
  }

  /** The backend refused the proxy's login: its SQLSTATE and message, named as the backend's. */
  private void backendRefused() {
    ByteBuffer in = ByteBuffer.wrap(toClient.toByteArray());
    String sqlState = "08006";
    String message = "refused the proxy's login";
    while (in.remaining() >= 5) {
      byte type = in.get();
      int length = in.getInt();
      if (type != 'E' || length < 4 || length - 4 > in.remaining()) {
        in.position(Math.min(in.limit(), in.position() + Math.max(0, length - 4)));
        continue;
      }
      int end = in.position() + length - 4;
      while (in.position() < end && in.get(in.position()) != 0) {
        byte field = in.get();
        int start = in.position();
        while (in.position() < end && in.get() != 0) {
          // to the field's terminator
        }
        String value = new String(in.array(), start, in.position() - start - 1, StandardCharsets.UTF_8);
        if (field == 'C') {
          sqlState = value;
        } else if (field == 'M') {
          message = value;
        }
      }
      break;
    }
    fail(sqlState, message);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static void wipe(ByteBuffer buffer) {
    buffer.clear();
    while (buffer.hasRemaining()) {
      buffer.put((byte) 0);
    }
  }

  private void tlsFailed(String message) {
    tlsFailed = true;
    fail("08001", message);
  }

  private void fail(String sqlState, String message) {
    phase = Phase.FAILED;
    failure = new Failure(sqlState, "pgmux: backend " + backend.address() + ": " + message);
    if (login != null) {
      login.dispose();
    }
  }

  /** Returns the interest the socket needs for the handshake to go on. */
  int interestOps() {
    switch (phase) {
      case SSL_ANSWER:
        return OP_READ;
      case TLS:
      case LOGIN:
        if (transport.busy()) {
          return 0;
        }
        int ops = transport.hasQueuedOutput() || toBackend != null ? OP_WRITE : 0;
        return ops | OP_READ;
      default:
        return 0;
    }
  }

  boolean done() {
    return phase == Phase.DONE;
  }

  /** Returns whether the handshake failed; {@link #failure()} says why. */
  boolean failed() {
    return phase == Phase.FAILED;
  }

  Failure failure() {
    return failure;
  }

  /**
   * Returns whether the handshake failed in TLS: the handshake itself, the backend closing or
   * resetting the connection during it, or the checks after it. Under {@code prefer} libpq then
   * opens a new connection without TLS; a refusal of the SSLRequest, or plain bytes after its
   * {@code S}, are not such failures.
   */
  boolean tlsFailed() {
    return failed() && tlsFailed;
  }

  /** The backend connection once done: plain or TLS. */
  Transport transport() {
    return transport;
  }

  /** Under proxy-side authentication: the bytes for the client, from ParameterStatus to ReadyForQuery and beyond. */
  ByteBuffer toClient() {
    return ByteBuffer.wrap(toClient.toByteArray());
  }

  /** The proxy's login once done under proxy-side authentication, else null. */
  ProxyLogin proxyLogin() {
    return login;
  }

  /** Gives back what an unfinished handshake holds; the socket is the caller's. */
  void release() {
    if (phase != Phase.DONE && transport != null) {
      transport.release();
    }
    if (login != null && !login.ready()) {
      login.dispose();
    }
  }
}
