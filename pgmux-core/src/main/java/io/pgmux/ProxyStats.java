package io.pgmux;

/**
 * Counters of a {@link ProxyServer} since it started.
 *
 * @param accepted client connections accepted, cancel requests and refused clients included
 * @param active client connections open now
 * @param sessions sessions that reached a backend
 * @param refused clients sent an error of the proxy's own
 * @param cancelsForwarded cancel requests forwarded to a backend
 * @param bytesFromClients bytes relayed from clients to backends
 * @param bytesFromBackends bytes relayed from backends to clients
 */
public record ProxyStats(
    long accepted,
    int active,
    long sessions,
    long refused,
    long cancelsForwarded,
    long bytesFromClients,
    long bytesFromBackends) {}
