package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.PlainTransport;
import io.pgmux.internal.net.TlsTransport;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.BackendMessages;
import io.pgmux.internal.protocol.BackendStartup;
import io.pgmux.internal.protocol.FrameTracker;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.StartupPacket;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import io.pgmux.internal.protocol.StartupPacket.GssEncRequest;
import io.pgmux.internal.protocol.StartupPacket.SslRequest;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client connection and, once routed, its backend connection. Every method runs on the
 * session's event loop, so nothing here is locked.
 *
 * <p>A session reads the startup packet (answering SSL and GSSAPI requests on the way), asks the
 * router off the loop, connects to the backend, sends the rewritten startup message and then
 * relays. Until the backend's first ReadyForQuery it reads the backend's messages one by one, to
 * learn the cancel key and to drop SCRAM channel binding; after that it moves bytes without
 * looking at them.
 */
final class Session implements EventLoop.Handler {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** Reads per readiness event before letting other sessions run. */
  private static final int READS_PER_EVENT = 16;

  private enum State {
    STARTUP, // reading the startup packet
    ROUTING, // waiting for the router
    CONNECTING, // waiting for the backend to accept
    AUTH, // relaying, reading backend messages until the first ReadyForQuery
    RELAY, // relaying bytes
    REFUSING, // sending the proxy's own error, then closing
    CLOSED
  }

  /** One direction of the relay. */
  private static final class Pipe {
    /** Bytes read from the source that the sink has not taken. Draining mode; null when none. */
    ByteBuffer pending;

    boolean sourceDone;
  }

  private final ProxyEngine engine;
  private final EventLoop loop;
  private final BufferPool pool;
  private final long id;
  private final Instant startedAt = Instant.now();
  private final InetSocketAddress clientAddress;
  private final SelectionKey clientKey;
  private Transport client;
  private SocketChannel backendChannel;
  private SelectionKey backendKey;
  private Transport backend;

  private State state = State.STARTUP;
  /** The startup packet as it arrives. Filling mode; null once routed. */
  private ByteBuffer startupIn = ByteBuffer.allocate(StartupPacket.MAX_LENGTH + 1024);
  /** Follows the backend's messages while in AUTH; null outside it. */
  private BackendStartup backendStartup;

  private final Pipe toBackend = new Pipe();
  private final Pipe toClient = new Pipe();
  /** Where messages to the client begin and end, so the proxy can say goodbye between two. */
  private final FrameTracker toClientFrames = new FrameTracker();
  /** The proxy's own error while REFUSING. Draining mode. */
  private ByteBuffer refusal;

  private EventLoop.Timer startupTimer;
  private EventLoop.Timer phaseTimer;
  private Future<?> routing;

  private StartupMessage startup;
  private RouteRequest request;
  private BackendConfig backendConfig;
  private InetSocketAddress backendAddress;
  private byte[] cancelKey;
  private volatile boolean started;
  private boolean holdsBackendPlace;

  private volatile long bytesFromClient;
  private volatile long bytesFromBackend;

  Session(ProxyEngine engine, EventLoop loop, long id, SocketChannel channel) throws IOException {
    this.engine = engine;
    this.loop = loop;
    this.pool = loop.pool();
    this.id = id;
    this.clientAddress = (InetSocketAddress) channel.getRemoteAddress();
    this.client = new PlainTransport(channel);
    this.clientKey = channel.register(loop.selector(), OP_READ, this);
  }

  /** Starts the startup timeout, or refuses at once when the proxy is full. */
  void open(boolean overLimit) {
    long timeout = engine.settings().startupTimeout().toMillis();
    startupTimer = loop.schedule(timeout, TimeUnit.MILLISECONDS, this::startupTimedOut);
    if (overLimit) {
      refuse(
          "53300",
          "pgmux: too many connections (the limit is "
              + engine.settings().maxConnections()
              + ")");
    }
  }

  long id() {
    return id;
  }

  EventLoop loop() {
    return loop;
  }

  boolean isStarted() {
    return started;
  }

  SessionInfo info() {
    return new SessionInfo(
        id,
        clientAddress,
        startup.user(),
        startup.database(),
        backendConfig,
        client.isTls(),
        startedAt,
        bytesFromClient,
        bytesFromBackend);
  }

  // ---------------------------------------------------------------------------------- events

  @Override
  public void ready(SelectionKey key) throws IOException {
    if (key == backendKey) {
      if (key.isConnectable()) {
        finishConnect();
      } else {
        if (key.isWritable()) {
          writable(toBackend);
        }
        if (state != State.CLOSED && key.isReadable()) {
          pump(toClient);
        }
      }
    } else {
      if (key.isWritable()) {
        clientWritable();
      }
      if (state != State.CLOSED && key.isReadable()) {
        clientReadable();
      }
    }
    updateInterest();
  }

  @Override
  public void failed(Exception cause) {
    if (state != State.CLOSED) {
      LOG.log(Level.DEBUG, () -> "session " + id + " failed: " + cause, cause);
      close();
    }
  }

  @Override
  public void loopClosing() {
    shutdown();
  }

  /**
   * Ends the session because the proxy stops. The client is told why when that cannot corrupt
   * its stream: before the backend speaks, or between two of the backend's messages.
   */
  void shutdown() {
    boolean betweenMessages =
        (state == State.AUTH || state == State.RELAY)
            && toClientFrames.atBoundary()
            && toClient.pending == null
            && !client.hasQueuedOutput();
    if (state == State.STARTUP
        || state == State.ROUTING
        || state == State.CONNECTING
        || betweenMessages) {
      try {
        client.write(BackendMessages.fatal("57P01", "pgmux: proxy shutting down"));
      } catch (IOException | RuntimeException e) {
        // Best effort: the client is going away either way.
      }
    }
    close();
  }

  private void clientReadable() throws IOException {
    switch (state) {
      case STARTUP:
        readStartup();
        break;
      case AUTH:
      case RELAY:
        pump(toBackend);
        break;
      default:
        // A TLS handshake step, driven by read(); anything else waits until we are ready.
        if (client.needsRead()) {
          client.read(ByteBuffer.allocate(0));
        }
    }
  }

  private void clientWritable() throws IOException {
    switch (state) {
      case REFUSING:
        client.write(refusal);
        if (!refusal.hasRemaining() && client.flush()) {
          close();
        }
        break;
      case STARTUP:
        if (client.flush()) {
          readStartup(); // the TLS handshake may go on now
        }
        break;
      case AUTH:
      case RELAY:
        writable(toClient);
        if (client.hasBufferedInput()) {
          pump(toBackend); // a TLS read waited for this flush; its data needs no socket event
        }
        break;
      default:
        client.flush();
    }
  }

  private void startupTimedOut() {
    switch (state) {
      case STARTUP:
      case ROUTING:
      case CONNECTING:
        refuse(
            "08P01",
            "pgmux: startup did not complete within "
                + engine.settings().startupTimeout().toMillis()
                + " ms");
        break;
      case AUTH:
        if (backendStartup.betweenMessages()
            && toClient.pending == null
            && !client.hasQueuedOutput()) {
          refuse(
              "08P01",
              "pgmux: authentication did not complete within "
                  + engine.settings().startupTimeout().toMillis()
                  + " ms");
        } else {
          close(); // mid-message: an error now would corrupt the stream
        }
        break;
      case REFUSING:
        close();
        break;
      default:
    }
  }

  // --------------------------------------------------------------------------------- startup

  private void readStartup() throws IOException {
    while (state == State.STARTUP) {
      if (!startupIn.hasRemaining()) {
        refuse("08P01", "pgmux: invalid length of startup packet");
        return;
      }
      int n = client.read(startupIn);
      if (n < 0) {
        LOG.log(Level.DEBUG, () -> "session " + id + ": client left during startup");
        close();
        return;
      }
      if (n == 0) {
        return;
      }
      processStartupBytes();
    }
  }

  private void processStartupBytes() throws IOException {
    while (state == State.STARTUP) {
      int available = startupIn.position();
      if (!client.isTls() && available > 0 && startupIn.get(0) == 0x16) {
        directTls();
        return;
      }
      if (available < 4) {
        return;
      }
      int length = startupIn.getInt(0);
      if (length < 8 || length > StartupPacket.MAX_LENGTH) {
        refuse("08P01", "pgmux: invalid length of startup packet");
        return;
      }
      if (available < length) {
        return;
      }
      StartupPacket packet;
      try {
        packet = StartupPacket.decode(startupIn.slice(4, length - 4));
      } catch (ProtocolException e) {
        refuse("08P01", "pgmux: " + e.getMessage());
        return;
      }
      startupIn.flip().position(length);
      startupIn.compact();
      handle(packet);
    }
  }

  private void handle(StartupPacket packet) throws IOException {
    if (packet instanceof SslRequest) {
      if (client.isTls()) {
        refuse("08P01", "pgmux: SSLRequest received over TLS");
      } else if (startupIn.position() > 0) {
        // CVE-2021-23214: bytes sent before the handshake must not be read as if encrypted.
        refuse("08P01", "pgmux: received unencrypted data after SSL request");
      } else if (engine.settings().tls() == null) {
        answer('N');
      } else if (answer('S')) {
        startTls(ByteBuffer.allocate(0));
      }
    } else if (packet instanceof GssEncRequest) {
      if (client.isTls()) {
        refuse("08P01", "pgmux: GSSENCRequest received over TLS");
      } else {
        answer('N');
      }
    } else if (packet instanceof CancelRequest) {
      engine.forwardCancel((CancelRequest) packet);
      close();
    } else {
      startup = (StartupMessage) packet;
      if (engine.settings().tlsRequired() && !client.isTls()) {
        refuse("28000", "pgmux: TLS is required: connect with sslmode=require");
      } else {
        route();
      }
    }
  }

  /** Writes a one-byte answer to SSLRequest or GSSENCRequest; a fresh socket always takes it. */
  private boolean answer(char answer) throws IOException {
    if (client.write(ByteBuffer.wrap(new byte[] {(byte) answer})) != 1) {
      close();
      return false;
    }
    return true;
  }

  /** The client opened with a TLS ClientHello instead of SSLRequest (libpq's sslnegotiation=direct). */
  private void directTls() throws IOException {
    if (engine.settings().tls() == null) {
      LOG.log(Level.DEBUG, () -> "session " + id + ": direct TLS without TLS configured");
      close();
      return;
    }
    startTls(startupIn.flip());
    startupIn.clear();
    readStartup();
  }

  private void startTls(ByteBuffer initial) throws IOException {
    client =
        new TlsTransport(
            client.channel(),
            engine.settings().tls().get(),
            pool,
            initial,
            engine.tlsPool(),
            () -> loop.execute(this::handshakeStepDone));
  }

  /** A TLS handshake step ran off the loop: take the handshake up where it paused. */
  private void handshakeStepDone() {
    if (state == State.CLOSED) {
      return;
    }
    ((TlsTransport) client).resumed();
    try {
      clientReadable();
      updateInterest();
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  // --------------------------------------------------------------------------------- routing

  private void route() {
    state = State.ROUTING;
    String serverName = client instanceof TlsTransport ? ((TlsTransport) client).serverName() : null;
    request =
        new RouteRequest(
            startup.user(),
            startup.database(),
            startup.parameters(),
            clientAddress,
            client.isTls(),
            serverName);
    RouteRequest asked = request;
    try {
      routing = engine.routerPool().submit(() -> engine.route(asked, this::routed, loop));
    } catch (RejectedExecutionException e) {
      refuse("57P01", "pgmux: proxy shutting down");
      return;
    }
    long timeout = engine.settings().routeTimeout().toMillis();
    phaseTimer =
        loop.schedule(
            timeout,
            TimeUnit.MILLISECONDS,
            () -> {
              if (state == State.ROUTING) {
                routing.cancel(true);
                LOG.log(Level.WARNING, () -> "router did not answer for " + describeClient());
                refuse("08004", "pgmux: router did not answer within " + timeout + " ms");
              }
            });
  }

  /** Called on the loop with the router's answer. */
  private void routed(BackendConfig config, InetSocketAddress address, Throwable failure) {
    if (state != State.ROUTING) {
      return; // timed out or closed meanwhile
    }
    phaseTimer.cancel();
    if (failure != null) {
      LOG.log(Level.WARNING, () -> "router failed for " + describeClient(), failure);
      refuse("08004", "pgmux: routing user \"" + startup.user() + "\" failed");
    } else if (config == null) {
      refuse("28000", "pgmux: no route for user \"" + startup.user() + "\"");
    } else if (address.isUnresolved()) {
      backendConfig = config;
      refuse("08001", "pgmux: cannot resolve backend host \"" + config.host() + "\"");
    } else if (!engine.acquireBackend(config)) {
      backendConfig = config;
      refuse(
          "53300",
          "pgmux: too many connections to backend "
              + config.address()
              + " (the limit is "
              + engine.settings().maxConnectionsPerBackend()
              + ")");
    } else {
      backendConfig = config;
      backendAddress = address;
      holdsBackendPlace = true;
      connect();
    }
    updateInterest();
  }

  private void connect() {
    state = State.CONNECTING;
    try {
      backendChannel = SocketChannel.open();
      backendChannel.configureBlocking(false);
      backendChannel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      boolean connected = backendChannel.connect(backendAddress);
      backendKey = backendChannel.register(loop.selector(), connected ? 0 : OP_CONNECT, this);
      if (connected) {
        connected();
        return;
      }
    } catch (IOException e) {
      backendUnreachable(e);
      return;
    }
    long timeout = engine.settings().connectTimeout().toMillis();
    phaseTimer =
        loop.schedule(
            timeout,
            TimeUnit.MILLISECONDS,
            () -> {
              if (state == State.CONNECTING) {
                refuse(
                    "08001",
                    "pgmux: backend "
                        + backendConfig.address()
                        + " did not accept the connection within "
                        + timeout
                        + " ms");
              }
            });
  }

  private void finishConnect() {
    try {
      backendChannel.finishConnect();
    } catch (IOException e) {
      backendUnreachable(e);
      return;
    }
    phaseTimer.cancel();
    connected();
  }

  private void backendUnreachable(IOException e) {
    refuse(
        "08001",
        "pgmux: cannot connect to backend " + backendConfig.address() + ": " + e.getMessage());
  }

  private void connected() {
    state = State.AUTH;
    backend = new PlainTransport(backendChannel);
    backendStartup = new BackendStartup();
    Map<String, String> parameters = new LinkedHashMap<>(startup.parameters());
    if (backendConfig.user() != null) {
      parameters.put("user", backendConfig.user());
    }
    if (backendConfig.database() != null) {
      parameters.put("database", backendConfig.database());
    }
    ByteBuffer message =
        new StartupMessage(startup.majorVersion(), startup.minorVersion(), parameters).encode();
    startupIn.flip(); // anything the client sent after its startup message goes along
    toBackend.pending =
        ByteBuffer.allocate(message.remaining() + startupIn.remaining())
            .put(message)
            .put(startupIn)
            .flip();
    startupIn = null;
    started = true;
    engine.sessionStarted(this);
    try {
      writable(toBackend);
    } catch (IOException e) {
      failed(e);
    }
  }

  // ----------------------------------------------------------------------------------- relay

  private Transport source(Pipe pipe) {
    return pipe == toBackend ? client : backend;
  }

  private Transport sink(Pipe pipe) {
    return pipe == toBackend ? backend : client;
  }

  /** Moves bytes from the pipe's source to its sink until one of them has to wait. */
  private void pump(Pipe pipe) throws IOException {
    Transport from = source(pipe);
    Transport to = sink(pipe);
    for (int i = 0; i < READS_PER_EVENT; i++) {
      if (pipe.pending != null || pipe.sourceDone || to.hasQueuedOutput() || !relaying()) {
        return;
      }
      ByteBuffer buffer = pool.acquire();
      int room = buffer.remaining();
      int n;
      try {
        n = from.read(buffer);
      } catch (IOException | RuntimeException e) {
        pool.release(buffer);
        throw e;
      }
      if (n <= 0) {
        pool.release(buffer);
        if (n < 0 && pipe == toClient && state == State.AUTH && !backendStartup.sawError()) {
          refuse("08006", "pgmux: backend " + backendConfig.address() + " closed the connection during startup");
        } else if (n < 0) {
          pipe.sourceDone = true;
          finishIfDrained(pipe);
        }
        return;
      }
      buffer.flip();
      if (pipe == toBackend) {
        bytesFromClient += n;
      } else {
        bytesFromBackend += n;
        if (state == State.AUTH) {
          buffer = inspectStartup(buffer);
          if (buffer == null) {
            continue;
          }
        }
        toClientFrames.feed(buffer);
      }
      try {
        to.write(buffer);
      } catch (IOException | RuntimeException e) {
        pool.release(buffer); // the session ends; the buffer must not go with it
        throw e;
      }
      if (buffer.hasRemaining()) {
        pipe.pending = buffer;
      } else {
        pool.release(buffer);
      }
      if (n < room && !from.hasBufferedInput()) {
        // A short read took all there was, so another read would only return 0: one syscall
        // saved per message. The selector is level-triggered and reports later bytes itself.
        return;
      }
    }
    if (from.hasBufferedInput()) {
      // TLS may hold decrypted records that no socket event will announce.
      loop.defer(this::resume);
    }
  }

  private boolean relaying() {
    return state == State.AUTH || state == State.RELAY;
  }

  private void resume() {
    try {
      pump(toBackend);
      pump(toClient);
      updateInterest();
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** The pipe's sink can take bytes again: hand it what waits, then read on. */
  private void writable(Pipe pipe) throws IOException {
    Transport to = sink(pipe);
    if (!to.flush()) {
      return;
    }
    if (pipe.pending != null) {
      to.write(pipe.pending);
      if (pipe.pending.hasRemaining()) {
        return;
      }
      pool.release(pipe.pending);
      pipe.pending = null;
    }
    if (to.hasQueuedOutput()) {
      return;
    }
    if (pipe.sourceDone) {
      finishIfDrained(pipe);
    } else {
      pump(pipe);
    }
  }

  /** One side closed: once what it sent is delivered, the session ends. */
  private void finishIfDrained(Pipe pipe) {
    if (pipe.pending == null && !sink(pipe).hasQueuedOutput()) {
      close();
    }
  }

  /** Passes backend bytes through {@link BackendStartup}; returns what goes to the client. */
  private ByteBuffer inspectStartup(ByteBuffer in) {
    ByteBuffer out;
    try {
      out = backendStartup.accept(in);
    } catch (ProtocolException e) {
      LOG.log(Level.WARNING, () -> describeClient() + ": backend broke the protocol: " + e.getMessage());
      refuse(
          "08P01",
          "pgmux: backend " + backendConfig.address() + " broke the protocol: " + e.getMessage());
      return null;
    } finally {
      pool.release(in);
    }
    if (cancelKey == null && backendStartup.cancelKey() != null) {
      cancelKey = backendStartup.cancelKey();
      engine.cancels().register(cancelKey, backendAddress);
    }
    if (backendStartup.ready()) {
      state = State.RELAY;
      backendStartup = null;
      startupTimer.cancel();
    }
    return out;
  }

  // ---------------------------------------------------------------------------- interest ops

  private void updateInterest() {
    if (state == State.CLOSED) {
      return;
    }
    int clientOps = 0;
    int backendOps = 0;
    switch (state) {
      case STARTUP:
        clientOps = OP_READ;
        break;
      case CONNECTING:
        backendOps = backendKey != null && !backendChannel.isConnected() ? OP_CONNECT : 0;
        break;
      case AUTH:
      case RELAY:
        clientOps = (canRead(toBackend) ? OP_READ : 0) | (toClient.pending != null ? OP_WRITE : 0);
        backendOps = (canRead(toClient) ? OP_READ : 0) | (toBackend.pending != null ? OP_WRITE : 0);
        if (backend.hasQueuedOutput()) {
          backendOps |= OP_WRITE;
        }
        break;
      case REFUSING:
        clientOps = OP_WRITE;
        break;
      default:
    }
    if (client.hasQueuedOutput()) {
      clientOps |= OP_WRITE;
    }
    if (client.needsRead() && state != State.REFUSING) {
      clientOps |= OP_READ;
    }
    if (client.busy()) {
      clientOps &= ~OP_READ; // nothing to do with bytes until the handshake step is back
    }
    if (clientKey.interestOps() != clientOps) {
      clientKey.interestOps(clientOps);
    }
    if (backendKey != null && backendKey.isValid() && backendKey.interestOps() != backendOps) {
      backendKey.interestOps(backendOps);
    }
  }

  private boolean canRead(Pipe pipe) {
    return pipe.pending == null && !pipe.sourceDone && !sink(pipe).hasQueuedOutput();
  }

  // ------------------------------------------------------------------------------ the end

  /** Sends the client one of the proxy's own errors, then closes. */
  private void refuse(String sqlState, String message) {
    if (state == State.CLOSED || state == State.REFUSING) {
      return;
    }
    LOG.log(Level.INFO, () -> "refused " + describeClient() + ": " + sqlState + " " + message);
    engine.clientRefused(request, sqlState, message);
    state = State.REFUSING;
    if (phaseTimer != null) {
      phaseTimer.cancel();
    }
    closeBackend();
    if (client instanceof TlsTransport && !((TlsTransport) client).handshakeDone()) {
      close(); // no TLS session to carry the message in
      return;
    }
    refusal = BackendMessages.fatal(sqlState, message);
    try {
      client.write(refusal);
      if (!refusal.hasRemaining() && client.flush()) {
        close();
        return;
      }
    } catch (IOException e) {
      close();
      return;
    }
    updateInterest(); // the rest goes out when the client can take it, within the startup timeout
  }

  private void closeBackend() {
    if (backendChannel != null) {
      try {
        backendChannel.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing backend socket", e);
      }
    }
  }

  void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (startupTimer != null) {
      startupTimer.cancel();
    }
    if (phaseTimer != null) {
      phaseTimer.cancel();
    }
    if (routing != null) {
      routing.cancel(true);
    }
    if (client instanceof TlsTransport && started) {
      ((TlsTransport) client).closeOutbound();
    }
    try {
      client.channel().close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing client socket", e);
    }
    closeBackend();
    client.release();
    if (backend != null) {
      backend.release();
    }
    pool.release(toBackend.pending);
    pool.release(toClient.pending);
    toBackend.pending = toClient.pending = null;
    startupIn = null;
    backendStartup = null;
    if (cancelKey != null) {
      engine.cancels().unregister(cancelKey, backendAddress);
    }
    if (holdsBackendPlace) {
      engine.releaseBackend(backendConfig);
    }
    engine.sessionClosed(this);
  }

  String describeClient() {
    String who = startup != null ? "\"" + startup.user() + "\"@" : "";
    return "session " + id + " " + who + clientAddress;
  }

  String describe() {
    return describeClient()
        + " -> "
        + backendConfig.address()
        + " as "
        + info().backendUser()
        + "/"
        + info().backendDatabase()
        + ": "
        + bytesFromClient
        + " bytes in, "
        + bytesFromBackend
        + " bytes out, "
        + java.time.Duration.between(startedAt, Instant.now()).toMillis()
        + " ms";
  }
}
