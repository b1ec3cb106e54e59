package io.pgmux.internal.proxy;

import io.pgmux.ClientAuth;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What happens between the client's startup packet and the backend connect: the router's answer
 * and, when the route asks for it, the client's login at the proxy ({@link ProxyAuthentication}).
 * It only reports: the session asks {@link #failure()}, {@link #clientGone()} and {@link
 * #ready()} after each call, then connects to {@link #route()} or turns the client away.
 *
 * <p>All methods run on the session's event loop.
 */
final class ClientAdmission {
  private final Transport client;
  private final SessionFacts facts;
  /** The client's login under proxy-side authentication; null otherwise and after it. */
  private ProxyAuthentication authentication;
  /** The route to connect to once the client is admitted. */
  private Route.To route;
  /** What the client sent after its startup message (and login), for the backend. */
  private ByteBuffer rest;
  private ProxyError failure;
  /** The client may go to the backend. */
  private boolean admitted;

  /** @param rest what the client sent after its startup message */
  ClientAdmission(Transport client, SessionFacts facts, ByteBuffer rest) {
    this.client = client;
    this.facts = facts;
    this.rest = rest;
  }

  /**
   * Authenticates the admin user for the console: the same login as under proxy-side
   * authentication, with no route and no backend to follow; {@link #route()} stays null.
   */
  void console(ClientAuth auth) throws IOException {
    authentication =
        new ProxyAuthentication(
            client, auth, facts.startup, ProxyAuthentication.channelBinding(client), rest);
    rest = null;
    authentication.writable();
  }

  /** Takes the router's answer. */
  void routed(Route answer) throws IOException {
    if (answer instanceof Route.Refused refused) {
      facts.backend = refused.backend();
      failure = refused.error();
    } else if (answer instanceof Route.To to) {
      facts.backend = to.backend();
      route = to;
      if (to.backend().clientAuth() == null) {
        admitted = true;
        return;
      }
      // Proxy-side authentication: the client proves itself before any backend connection.
      authentication =
          new ProxyAuthentication(
              client,
              to.backend().clientAuth(),
              facts.startup,
              ProxyAuthentication.channelBinding(client),
              rest);
      rest = null;
      authentication.writable();
    }
  }

  void readable() throws IOException {
    authentication.readable();
  }

  void writable() throws IOException {
    authentication.writable();
  }

  /** Returns the interest the client's socket needs. */
  int clientOps() {
    return authentication == null ? 0 : authentication.clientOps();
  }

  /** Returns whether no message is half sent, so the proxy may send an error of its own. */
  boolean atBoundary() {
    return authentication == null || authentication.atBoundary();
  }

  /** Returns why the client is turned away, or null. */
  ProxyError failure() {
    return failure != null ? failure : authentication == null ? null : authentication.failure();
  }

  /** Returns whether the client closed its connection while it logged in. */
  boolean clientGone() {
    return authentication != null && authentication.clientGone();
  }

  /** Returns whether the client is admitted: {@link #route()} is where it goes. */
  boolean ready() {
    if (authentication != null && authentication.done()) {
      rest = authentication.rest();
      authentication = null;
      admitted = true;
    }
    return admitted;
  }

  /** Returns where the admitted client goes, or null for the admin console. */
  Route.To route() {
    return route;
  }

  /** What the client sent after its startup message and login, for the backend; taken once. */
  ByteBuffer takeRest() {
    ByteBuffer taken = rest;
    rest = null;
    return taken;
  }
}
