package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.PlainTransport;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.proxy.ClientStartup.Outcome;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection and, once routed, its backend connection: the session's state, what its
 * timers ({@link SessionTimers}) mean, and how it ends. The phases do the work: {@link
 * ClientStartup} reads the startup packet, the {@link SessionHost} routes, the {@link
 * ClientAdmission} takes the router's answer (and may authenticate the client), the {@link
 * BackendLeg} connects (its {@link BackendLogin} follows the login) and holds what the session
 * takes at the backend, the {@link Relay} moves the bytes, and {@link ClientEnd} closes the
 * client's side. The session calls them and looks at what they report after each event; none of
 * them calls the session.
 *
 * <p>Every method runs on the session's event loop, so nothing here is locked; {@link #info()}
 * and {@link #isStarted()} may be called from any thread.
 */
final class Session implements EventLoop.Handler {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private enum State {
    STARTUP, // reading the startup packet
    ROUTING, // waiting for the router
    CLIENT_AUTH, // acting on the router's answer; the proxy may authenticate the client itself
    CONNECTING, // waiting for the backend to accept, for TLS, and for the proxy's own login
    LOGIN, // relaying, following the backend's messages until the first ReadyForQuery
    RELAY, // relaying bytes
    CONSOLE, // served by the admin console, in-process
    REFUSING, // sending the proxy's own error, then closing
    CLOSED
  }

  private final SessionHost host;
  private final Settings settings;
  private final EventLoop loop;
  private final SessionFacts facts;
  private final SelectionKey clientKey;
  private Transport client;
  private State state = State.STARTUP;

  /** Reads the startup packet; null after it. */
  private ClientStartup clientStartup;
  /** The router's answer and proxy-side authentication; null before the startup message. */
  private ClientAdmission admission;
  /** Routing, the backend connection and what the session holds at the backend. */
  private final BackendLeg backend;
  private Relay relay;
  /** Set once the backend was reached; publishes the fields {@link #info()} reads. */
  private volatile boolean started;
  /** The proxy's own error while REFUSING. */
  private Refusal refusal;
  private final SessionTimers timers;
  /** The admin console's end of the session; null unless in CONSOLE. */
  private ConsoleEndpoint console;

  Session(SessionHost host, EventLoop loop, long id, SocketChannel channel) throws IOException {
    this.host = host;
    this.settings = host.settings();
    this.loop = loop;
    this.backend = new BackendLeg(host, loop);
    this.timers = new SessionTimers(loop, settings);
    this.facts = new SessionFacts(id, SessionFacts.clientAddress(channel.getRemoteAddress()));
    this.client = new PlainTransport(channel);
    this.clientKey = channel.register(loop.selector(), OP_READ, this);
    this.clientStartup =
        new ClientStartup(
            client,
            settings.tls(),
            loop.pool(),
            host.tlsTasks(),
            () -> loop.execute(this::handshakeStepDone));
  }

  /** Starts the startup timeout, or refuses at once when the proxy is full. */
  void open(boolean overLimit) {
    timers.startup(this::startupTimedOut);
    if (overLimit) {
      refuse(ProxyError.tooManyConnections(settings.maxConnections()));
    }
  }

  long id() {
    return facts.id;
  }

  EventLoop loop() {
    return loop;
  }

  boolean isStarted() {
    return started;
  }

  SessionInfo info() {
    return facts.info(client.isTls(), relay.bytesFromClient(), relay.bytesFromBackend());
  }

  // ------------------------------------------------------------------------------------ events

  @Override
  public void ready(SelectionKey key) throws IOException {
    if (key == backend.key()) {
      if (state == State.CONNECTING) {
        backend.login().backendReady();
      } else {
        relay.backendReady(key.isWritable(), key.isReadable());
      }
    } else {
      if (key.isWritable()) {
        clientWritable();
      }
      if (state != State.CLOSED && key.isReadable()) {
        clientReadable();
      }
    }
    settle();
  }

  @Override
  public void failed(Exception cause) {
    if (state != State.CLOSED) {
      LOG.log(Level.DEBUG, () -> "session " + facts.id + " failed: " + cause, cause);
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
    if (clientAtBoundary()) {
      ClientEnd.goodbye(client);
    }
    close();
  }

  /** Returns whether no message to the client is half sent, so the proxy may send its own. */
  private boolean clientAtBoundary() {
    return switch (state) {
      case STARTUP, ROUTING, CONNECTING -> true;
      case CLIENT_AUTH -> admission.atBoundary();
      case LOGIN, RELAY -> relay.clientAtBoundary();
      case CONSOLE -> console.atBoundary();
      default -> false;
    };
  }

  private void clientReadable() throws IOException {
    switch (state) {
      case STARTUP -> readStartup();
      case CLIENT_AUTH -> admission.readable();
      case LOGIN, RELAY -> relay.clientReadable();
      case CONSOLE -> console.readable();
      default -> {
        // A TLS handshake step, driven by read(); anything else waits until we are ready.
        if (client.needsRead()) {
          client.read(ByteBuffer.allocate(0));
        }
      }
    }
  }

  private void clientWritable() throws IOException {
    switch (state) {
      case REFUSING -> {
        if (refusal.send(client)) {
          close();
        }
      }
      case STARTUP -> {
        if (client.flush()) {
          readStartup(); // the TLS handshake may go on now
        }
      }
      case LOGIN, RELAY -> relay.clientWritable();
      case CLIENT_AUTH -> admission.writable();
      case CONSOLE -> console.writable();
      default -> client.flush();
    }
  }

  /** A TLS handshake step ran off the loop: take the handshake up where it paused. */
  private void handshakeStepDone() {
    if (state == State.CLOSED) {
      return;
    }
    client.resumed();
    try {
      clientReadable();
      settle();
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** Work a phase did on its own (a deferred read, a timeout): look at what it reports. */
  private void phaseSettled() {
    if (state != State.CLOSED) {
      settle();
    }
  }

  /** A TLS handshake step with the backend ran off the loop: take it up where it paused. */
  private void backendTlsStepDone() {
    if (state != State.CONNECTING) {
      return;
    }
    try {
      backend.login().tlsResumed();
      settle();
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** After every event: acts on what the phases report, then sets the interest ops. */
  private void settle() {
    if (state == State.CLIENT_AUTH) {
      if (admission.failure() != null) {
        refuse(admission.failure());
      } else if (admission.clientGone()) {
        close();
      } else if (admission.ready()) {
        if (admission.route() == null) {
          startConsole();
        } else {
          connect(admission.route());
        }
      }
    }
    if (state == State.CONSOLE && console.finished()) {
      close();
    }
    if (state == State.CONNECTING) {
      if (backend.login().failure() != null) {
        refuse(backend.login().failure());
      } else if (backend.login().connected()) {
        connected();
      }
    }
    if (state == State.LOGIN) {
      if (relay.loginFailure() != null) {
        refuse(relay.loginFailure());
      } else {
        backend.noteCancelKey();
      }
      if (state == State.LOGIN && backend.login().done()) {
        state = State.RELAY;
        relay.established(settings.taps(), this::info);
        timers.established(relay, this::phaseSettled);
      }
    }
    if ((state == State.LOGIN || state == State.RELAY) && relay.finished()) {
      close();
    }
    updateInterest();
  }

  private void startupTimedOut() {
    long timeout = settings.startupTimeout().toMillis();
    switch (state) {
      case STARTUP -> {
        // PostgreSQL ends a connection whose startup packet (or TLS handshake) is not complete
        // within authentication_timeout without a word; it is still counted as turned away.
        ProxyError error = ProxyError.startupTimeout(timeout);
        LOG.log(Level.INFO, () -> "closed " + facts.client() + ": " + error.message());
        host.clientRefused(backend.request(), error.sqlState(), error.message());
        close();
      }
      case ROUTING, CONNECTING -> refuse(ProxyError.startupTimeout(timeout));
      case CLIENT_AUTH, LOGIN -> {
        if (clientAtBoundary()) {
          refuse(ProxyError.authenticationTimeout(timeout));
        } else {
          close(); // mid-message: an error now would corrupt the stream
        }
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------- startup, routing, login

  private void readStartup() throws IOException {
    Outcome outcome;
    try {
      outcome = clientStartup.read();
    } finally {
      client = clientStartup.transport(); // TLS may have begun, even if the read failed
    }
    if (outcome instanceof Outcome.Login login) {
      clientStartup = null;
      facts.startup = login.message();
      admission = new ClientAdmission(client, facts, login.rest());
      if (settings.tlsRequired() && !client.isTls()) {
        refuse(ProxyError.tlsRequired());
      } else {
        route();
      }
    } else if (outcome instanceof Outcome.Cancel cancel) {
      host.forwardCancel(cancel.request());
      close();
    } else if (outcome instanceof Outcome.Refuse refused) {
      refuse(refused.error());
    } else if (outcome instanceof Outcome.Close closed) {
      LOG.log(Level.DEBUG, () -> "session " + facts.id + ": " + closed.why());
      close();
    }
  }

  private void route() {
    ConsoleSettings consoleSettings = settings.console();
    if (consoleSettings != null && facts.startup.database().equals(consoleSettings.database())) {
      // The admin database is never routed while the console is on.
      if (!facts.startup.user().equals(consoleSettings.user())) {
        refuse(ProxyError.notConsoleUser(facts.startup.user()));
        return;
      }
      state = State.CLIENT_AUTH;
      try {
        admission.console(consoleSettings.auth());
      } catch (IOException e) {
        failed(e);
      }
      return;
    }
    state = State.ROUTING;
    RouteRequest request = facts.routeRequest(client.isTls(), client.serverName());
    backend.route(request).whenComplete((route, failure) -> loop.execute(() -> routed(route)));
  }

  /** Runs on the loop with the router's answer; null if the routing was cancelled. */
  private void routed(Route route) {
    if (state != State.ROUTING || route == null) {
      return; // closed meanwhile
    }
    backend.routed();
    state = State.CLIENT_AUTH;
    try {
      admission.routed(route);
    } catch (IOException e) {
      failed(e);
      return;
    }
    settle();
  }

  private void connect(Route.To to) {
    ProxyError full = backend.acquire(to);
    if (full != null) {
      refuse(full);
      return;
    }
    state = State.CONNECTING;
    backend.connect(to, facts.startup, this, this::backendTlsStepDone, this::phaseSettled);
  }

  private void connected() {
    ByteBuffer startup = backend.connected(facts.startup);
    state = State.LOGIN;
    BackendLogin login = backend.login();
    relay = new Relay(loop, client, login.transport(), login, startup, admission.takeRest(), this::phaseSettled);
    started = true;
    host.sessionStarted(info());
    try {
      relay.start();
    } catch (IOException e) {
      failed(e);
    }
  }

  /** The admin user is authenticated: the console serves the session from here on. */
  private void startConsole() {
    state = State.CONSOLE;
    timers.console();
    ConsoleGreeting greeting = ConsoleGreeting.of(facts.startup);
    console =
        new ConsoleEndpoint(
            client, loop, settings.console().console(), greeting.byName(), this::phaseSettled);
    try {
      console.start(greeting.reported(), greeting.processId(), greeting.secret(), admission.takeRest());
    } catch (IOException e) {
      failed(e);
    }
  }

  private void updateInterest() {
    int clientOps = 0;
    int backendOps = 0;
    switch (state) {
      case CLOSED -> {
        return;
      }
      case STARTUP -> clientOps = OP_READ;
      case CLIENT_AUTH -> clientOps = admission.clientOps();
      case CONNECTING -> backendOps = backend.connectingOps();
      case LOGIN, RELAY -> {
        clientOps = relay.clientOps();
        backendOps = relay.backendOps();
      }
      case REFUSING -> clientOps = OP_WRITE;
      case CONSOLE -> clientOps = console.clientOps();
      default -> {}
    }
    clientOps = client.interestOps(clientOps, state != State.REFUSING);
    if (clientKey.interestOps() != clientOps) {
      clientKey.interestOps(clientOps);
    }
    backend.interestOps(backendOps);
  }

  // ---------------------------------------------------------------------------------- the end

  /** Sends the client one of the proxy's own errors, then closes. */
  private void refuse(ProxyError error) {
    if (state == State.CLOSED || state == State.REFUSING) {
      return;
    }
    if (state == State.LOGIN && !relay.clientAtBoundary()) {
      close(); // mid-message: an error now would corrupt the stream
      return;
    }
    LOG.log(Level.INFO, () -> "refused " + facts.client() + ": " + error.sqlState() + " " + error.message());
    host.clientRefused(backend.request(), error.sqlState(), error.message());
    state = State.REFUSING;
    backend.closeConnection();
    refusal = new Refusal(error);
    // Without a TLS session there is nothing to carry the message in.
    if (!client.handshakeDone() || refusal.start(client)) {
      close();
      return;
    }
    // The rest goes out when the client can take it; a client that never reads is not waited for.
    timers.refusing(this::close);
    updateInterest();
  }

  void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    timers.stop();
    backend.cancelRouting();
    boolean cut = relay != null && relay.wasCut();
    // The tap hears of the end first: what it records (the journal's last statements) is then
    // in place before the client sees its connection close.
    if (relay != null) {
      relay.release();
    }
    ClientEnd.close(client, cut);
    backend.closeConnection();
    clientStartup = null;
    backend.release();
    SessionInfo info = started ? info() : null;
    if (info != null) {
      LOG.log(Level.INFO, () -> facts.ended(info));
    }
    host.sessionEnded(facts.id, info);
  }
}
