package io.pgmux.internal.proxy;

import io.pgmux.ProxyListener;
import io.pgmux.Router;
import io.pgmux.internal.tap.SessionTaps;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * Everything a running proxy needs, sealed when it starts.
 *
 * @param tls makes server-side TLS engines, or null when TLS is off
 * @param maxConnectionsPerBackend sessions one backend address may carry, or 0 for no limit
 * @param taps admits logins and taps sessions, or null to leave every session a blind relay
 * @param idleSessionTimeout ends sessions idle outside a transaction this long, or null for never
 * @param console the admin console, or null when it is off
 */
public record Settings(
    InetSocketAddress listen,
    Router router,
    Supplier<SSLEngine> tls,
    boolean tlsRequired,
    Duration startupTimeout,
    Duration routeTimeout,
    Duration connectTimeout,
    int maxConnections,
    int maxConnectionsPerBackend,
    int eventLoops,
    int routerThreads,
    ProxyListener listener,
    SessionTaps taps,
    Duration idleSessionTimeout,
    ConsoleSettings console) {}
