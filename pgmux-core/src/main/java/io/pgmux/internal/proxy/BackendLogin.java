package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_CONNECT;

import io.pgmux.BackendConfig;
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

  BackendLogin(BackendConfig backend, InetSocketAddress address) {
    this.backend = backend;
    this.address = address;
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
    try {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      boolean connected = channel.connect(address);
      key = channel.register(loop.selector(), connected ? 0 : OP_CONNECT, handler);
      if (connected) {
        transport = new PlainTransport(channel);
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

  /** OP_CONNECT fired: completes the connection, or notes why it failed. */
  void connectable() {
    timer.cancel();
    try {
      channel.finishConnect();
      transport = new PlainTransport(channel);
    } catch (IOException e) {
      failure = unreachable(e);
    }
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
    }
  }

  /** Returns {@code startup} with the route's user and database (flip mode). */
  ByteBuffer startupMessage(StartupMessage startup) {
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

  /** Returns the cancel key (process id then secret) once BackendKeyData passed, else null. */
  byte[] cancelKey() {
    return follower.cancelKey();
  }

  /** Returns whether the backend refused the login, which explains a close that follows. */
  boolean sawError() {
    return follower.sawError();
  }

  /** Returns whether the first ReadyForQuery passed: the session is established. */
  boolean done() {
    return follower.ready();
  }
}
