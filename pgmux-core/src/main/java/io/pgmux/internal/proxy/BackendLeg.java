package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;

/**
 * A session's way to its backend and what it holds there: the router's answer, the place under
 * the per-backend limit, the connection with its TLS and login ({@link BackendLogin}), and the
 * cancel key the backend issued. It tells the host what it takes and gives back; it never calls
 * the session, which decides the session's states and reads {@link #login()} after each event.
 *
 * <p>All methods run on the session's event loop.
 */
final class BackendLeg {
  private final SessionHost host;
  private final Settings settings;
  private final EventLoop loop;
  private RouteRequest request;
  private CompletableFuture<Route> routing;
  /** The backend whose place under the per-backend limit this session holds, or null. */
  private BackendConfig place;
  private InetSocketAddress address;
  private BackendLogin login;
  /** When connecting to the backend began (System.nanoTime). */
  private long connectStarted;
  private byte[] cancelKey;

  BackendLeg(SessionHost host, EventLoop loop) {
    this.host = host;
    this.settings = host.settings();
    this.loop = loop;
  }

  /**
   * Asks the router where {@code request} goes. The returned future completes on another thread;
   * the session takes the answer on its loop and then calls {@link #routed()}.
   */
  CompletableFuture<Route> route(RouteRequest request) {
    this.request = request;
    routing = host.route(request);
    return routing;
  }

  /** The router answered: there is nothing to cancel any more. */
  void routed() {
    routing = null;
  }

  /** Returns what was asked of the router; null before routing. */
  RouteRequest request() {
    return request;
  }

  /**
   * Takes one of the backend's places under the per-backend limit. Returns the client's error
   * when it has none left (and nothing is held), else null.
   */
  ProxyError acquire(Route.To to) {
    if (!host.acquireBackend(to.backend())) {
      return ProxyError.tooManyBackendConnections(
          to.backend().address(), settings.maxConnectionsPerBackend());
    }
    place = to.backend();
    address = to.address();
    return null;
  }

  /**
   * Starts connecting to {@code to}, whose place is {@link #acquire acquired}, with the socket
   * registered for {@code handler}. Under proxy-side authentication the proxy logs in itself
   * with {@code startup}.
   *
   * @param tlsStepDone run on the loop when a backend TLS handshake step ran off it
   * @param settle run after the login's own deferred work (its timeout)
   */
  void connect(
      Route.To to,
      StartupMessage startup,
      EventLoop.Handler handler,
      Runnable tlsStepDone,
      Runnable settle) {
    boolean proxySide = to.backend().clientAuth() != null;
    login =
        new BackendLogin(
            to.backend(),
            to.address(),
            new BackendLogin.Backside(
                loop.pool(),
                host.tlsTasks(),
                () -> loop.execute(tlsStepDone),
                proxySide ? BackendLogin.startupMessage(to.backend(), startup) : null,
                proxySide ? BackendLogin.proxyLogin(to.backend(), startup) : null));
    connectStarted = System.nanoTime();
    login.connect(loop, handler, settings.connectTimeout().toMillis(), settle);
  }

  /** Returns the connection and its login; null before {@link #connect}. */
  BackendLogin login() {
    return login;
  }

  /**
   * Returns the backend socket's key; null before it is registered. It changes when the login
   * opens a new connection (the plain retry under {@code prefer}).
   */
  SelectionKey key() {
    return login != null ? login.key() : null;
  }

  /**
   * The backend accepted (and TLS and the proxy's own login are through): tells the host how long
   * that took, and returns the startup message the relay sends first (flip mode).
   */
  ByteBuffer connected(StartupMessage startup) {
    host.backendConnected(System.nanoTime() - connectStarted);
    return login.proxySide()
        ? ByteBuffer.allocate(0) // the proxy's login sent it
        : BackendLogin.startupMessage(login.backend(), startup);
  }

  /** Records the backend's cancel key with the host, once the login has seen it. */
  void noteCancelKey() {
    if (cancelKey == null && login.cancelKey() != null) {
      cancelKey = login.cancelKey();
      host.cancelKeyIssued(cancelKey, address, login.backendCancelKey());
    }
  }

  /** Returns the interest ops the backend socket needs while connecting. */
  int connectingOps() {
    return key() != null ? login.connectingOps() : 0;
  }

  /** Sets the backend socket's interest ops, if it has a live key. */
  void interestOps(int ops) {
    SelectionKey key = key();
    if (key != null && key.isValid() && key.interestOps() != ops) {
      key.interestOps(ops);
    }
  }

  /** Stops asking the router, if it has not answered. */
  void cancelRouting() {
    if (routing != null) {
      routing.cancel(true);
    }
  }

  /** Closes the backend connection, if there is one. */
  void closeConnection() {
    if (login != null) {
      login.close();
    }
  }

  /** Gives back what the session holds at the backend: its cancel key and its place. */
  void release() {
    if (cancelKey != null) {
      host.cancelKeyRetired(cancelKey, address);
    }
    if (place != null) {
      host.releaseBackend(place);
    }
  }
}
