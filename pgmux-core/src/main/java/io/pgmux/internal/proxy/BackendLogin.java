package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_CONNECT;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.internal.auth.BackendAuthenticator;
import io.pgmux.internal.auth.CancelKeys;
import io.pgmux.internal.auth.ProxyLogin;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.BackendMessages;
import io.pgmux.internal.protocol.BackendStartup;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import io.pgmux.internal.net.PlainTransport;
import io.pgmux.internal.net.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The login at the backend: connects, sends the client's startup message with the route's
 * rewrites, and follows the backend's messages up to its first ReadyForQuery, learning the cancel
 * key and taking SCRAM channel binding out of the offered mechanisms on the way. While it runs,
 * the {@link Relay} hands it every byte from the backend; once {@link #done()}, the relay moves
 * bytes without it.
 */
final class BackendLogin {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private final BackendConfig backend;
  private final InetSocketAddress address;
  private final BackendStartup follower = new BackendStartup();
  private SocketChannel channel;
  private SelectionKey key;
  private Transport transport;
  private EventLoop.Timer timer;
  private ProxyError failure;
  /** Bytes after the first ReadyForQuery, until the relay takes them. Flip mode. */
  private ByteBuffer afterLogin;
  /** Under proxy-side authentication: the proxy's login reached ReadyForQuery. */
  private boolean proxyLoggedIn;

  /** TLS and, under proxy-side authentication, the proxy's own login; null before the TCP connect. */
  private BackendHandshake handshake;
  private final Backside backside;
  /**
   * The TLS handshake failed under {@code prefer} and this is libpq's one plain attempt on a new
   * connection.
   */
  private boolean plainRetry;
  // What connect() was given, for the plain retry's own connect.
  private EventLoop loop;
  private EventLoop.Handler handler;
  private long timeoutMillis;
  private Runnable settle;

  /**
   * What the backend connection needs beyond TCP: where TLS handshake steps run, and, under
   * proxy-side authentication, the startup message and the proxy's login.
   *
   * @param tlsStepDone called on a TLS task thread once a handshake step ran; must get the loop
   *     to call {@link #tlsResumed()}
   * @param startup the startup message for the proxy's own login; null in passthrough
   * @param proxyLogin makes the proxy's login from the backend's channel binding; null in
   *     passthrough
   */
  record Backside(
      BufferPool pool,
      Executor tlsTasks,
      Runnable tlsStepDone,
      ByteBuffer startup,
      BackendHandshake.LoginStart proxyLogin) {}

  /** A login in passthrough with no thread for TLS handshake steps: for backends without TLS. */
  BackendLogin(BackendConfig backend, InetSocketAddress address) {
    this(backend, address, new Backside(null, Runnable::run, () -> {}, null, null));
  }

  BackendLogin(BackendConfig backend, InetSocketAddress address, Backside backside) {
    this.backend = backend;
    this.address = address;
    this.backside = backside;
  }

  /**
   * Returns what makes the proxy's own login to {@code backend} once TLS is settled: its
   * credentials, the channel binding of the backend's certificate, and cancel keys sized for the
   * client's protocol version.
   */
  static BackendHandshake.LoginStart proxyLogin(BackendConfig backend, StartupMessage startup) {
    String user = backend.user() != null ? backend.user() : startup.user(); // MD5 salts with it
    return (tls, binding) ->
        new ProxyLogin(
            new BackendAuthenticator(
                user,
                backend.password(),
                tls,
                binding,
                backend.tls().channelBindingRequired()),
            CancelKeys.forClient(startup.minorVersion()));
  }

  /** Returns whether the proxy logs in itself (proxy-side authentication). */
  boolean proxySide() {
    return backside.proxyLogin() != null;
  }

  BackendConfig backend() {
    return backend;
  }

  InetSocketAddress address() {
    return address;
  }

  /** The backend's socket once connected, plain (backend TLS will wrap it here). */
  Transport transport() {
    return transport;
  }

  SelectionKey key() {
    return key;
  }

  /** The backend's socket, or null before {@link #connect}. */
  SocketChannel channel() {
    return channel;
  }

  /**
   * Starts connecting, with the socket registered with {@code loop} for {@code handler}, within
   * {@code timeoutMillis}. The outcome shows in {@link #connected()} or {@link #failure()}; when
   * it comes later than this call, through {@link #connectable()} or the timeout, which runs
   * {@code settle}.
   */
  void connect(EventLoop loop, EventLoop.Handler handler, long timeoutMillis, Runnable settle) {
    this.loop = loop;
    this.handler = handler;
    this.timeoutMillis = timeoutMillis;
    this.settle = settle;
    try {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      boolean connected = channel.connect(address);
      key = channel.register(loop.selector(), connected ? 0 : OP_CONNECT, handler);
      if (connected) {
        tcpConnected();
        return;
      }
    } catch (IOException e) {
      failure = unreachable(e);
      return;
    }
    timer =
        loop.schedule(
            timeoutMillis,
            TimeUnit.MILLISECONDS,
            () -> {
              failure = ProxyError.connectTimeout(backend.address(), timeoutMillis);
              settle.run();
            });
  }

  /** The socket is ready while connecting: completes the TCP connect or takes TLS and the proxy's login on. */
  void backendReady() throws IOException {
    if (handshake != null) {
      handshake.step();
      absorb();
      return;
    }
    timer.cancel();
    try {
      channel.finishConnect();
    } catch (IOException e) {
      failure = unreachable(e);
      return;
    }
    tcpConnected();
  }

  /** A TLS handshake step ran off the loop: go on where it paused. */
  void tlsResumed() throws IOException {
    if (handshake != null && handshake.transport() != null && transport == null && failure == null) {
      handshake.transport().resumed();
      handshake.step();
      absorb();
    }
  }

  private void tcpConnected() throws IOException {
    handshake =
        new BackendHandshake(
            backend,
            plainRetry ? BackendTls.disable() : backend.tls(),
            channel,
            backside.pool(),
            backside.tlsTasks(),
            backside.tlsStepDone(),
            backside.startup(),
            backside.proxyLogin());
    handshake.start();
    absorb();
  }

  /** Takes the handshake's outcome once it has one. */
  private void absorb() throws IOException {
    if (handshake.tlsFailed() && backend.tls().mode() == BackendTls.Mode.PREFER && !plainRetry) {
      retryWithoutTls();
      return;
    }
    if (handshake.failed()) {
      BackendHandshake.Failure why = handshake.failure();
      failure = new ProxyError(why.sqlState(), why.message());
    } else if (handshake.done()) {
      transport = handshake.transport();
      if (proxySide()) {
        afterLogin = handshake.toClient();
        proxyLoggedIn = true;
      }
    }
  }

  /**
   * libpq's {@code sslmode=prefer}: when the TLS handshake fails after the backend said {@code S},
   * close that connection and try once more on a new one without TLS (fe-connect.c, {@code
   * CONNECTION_SSL_STARTUP}). The TCP connect and its timeout start again.
   */
  private void retryWithoutTls() throws IOException {
    String why = handshake.failure().message();
    LOG.log(Level.DEBUG, () -> why + "; trying again without TLS, as sslmode=prefer does");
    handshake.release();
    handshake = null;
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing backend socket", e);
    }
    plainRetry = true;
    connect(loop, handler, timeoutMillis, settle);
  }

  /** Returns the interest the socket needs while connecting. */
  int connectingOps() {
    if (handshake == null) {
      return OP_CONNECT;
    }
    return transport == null && failure == null ? handshake.interestOps() : 0;
  }

  /** Returns whether the connection is up: the login may begin. */
  boolean connected() {
    return transport != null;
  }

  /** Returns why connecting failed, or null. */
  ProxyError failure() {
    return failure;
  }

  private ProxyError unreachable(IOException cause) {
    return ProxyError.cannotConnect(backend.address(), String.valueOf(cause.getMessage()));
  }

  /** Closes the socket and stops the timeout; the relay's buffers are the relay's. */
  void close() {
    if (timer != null) {
      timer.cancel();
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing backend socket", e);
      }
    }
    if (transport != null) {
      transport.release();
    } else if (handshake != null) {
      handshake.release();
    }
  }

  /** Returns {@code startup} with the route's user and database (flip mode). */
  ByteBuffer startupMessage(StartupMessage startup) {
    return startupMessage(backend, startup);
  }

  /** Returns {@code startup} with {@code backend}'s user and database (flip mode). */
  static ByteBuffer startupMessage(BackendConfig backend, StartupMessage startup) {
    Map<String, String> parameters = new LinkedHashMap<>(startup.parameters());
    if (backend.user() != null) {
      parameters.put("user", backend.user());
    }
    if (backend.database() != null) {
      parameters.put("database", backend.database());
    }
    return new StartupMessage(startup.majorVersion(), startup.minorVersion(), parameters).encode();
  }

  /**
   * Takes bytes from the backend (all of {@code in}) and returns what goes to the client, or null
   * if no message is complete yet.
   *
   * @throws ProtocolException if the backend does not speak the protocol
   */
  ByteBuffer fromBackend(ByteBuffer in) throws ProtocolException {
    ByteBuffer out = follower.accept(in);
    if (out != null && follower.ready()) {
      // What came after ReadyForQuery belongs to the established session (a tap must see it).
      int end = out.position();
      byte type;
      do {
        type = out.get(end);
        end += 1 + out.getInt(end + 1);
      } while (type != BackendMessages.READY_FOR_QUERY);
      afterLogin = out.slice(end, out.limit() - end);
      out.limit(end);
    }
    return out;
  }

  /**
   * Returns, once, the bytes the backend sent after its first ReadyForQuery in the same read
   * (flip mode, possibly empty), or null before the login is done.
   */
  ByteBuffer takeAfterLogin() {
    ByteBuffer bytes = afterLogin;
    afterLogin = null;
    return bytes;
  }

  /**
   * Returns the cancel key the client got (process id then secret) once BackendKeyData passed,
   * else null: the backend's own in passthrough, the proxy's under proxy-side authentication.
   */
  byte[] cancelKey() {
    return proxySide()
        ? (proxyLoggedIn ? handshake.proxyLogin().proxyKey() : null)
        : follower.cancelKey();
  }

  /** Returns the backend's own cancel key for {@link #cancelKey()}, else null. */
  byte[] backendCancelKey() {
    return proxySide()
        ? (proxyLoggedIn ? handshake.proxyLogin().backendKey() : null)
        : follower.cancelKey();
  }

  /** Returns whether the backend refused the login, which explains a close that follows. */
  boolean sawError() {
    return follower.sawError();
  }

  /** Returns whether the first ReadyForQuery passed: the session is established. */
  boolean done() {
    return proxySide() ? proxyLoggedIn : follower.ready();
  }
}
