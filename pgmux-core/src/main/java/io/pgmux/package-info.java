/**
 * pgMux: a PostgreSQL proxy that routes each client to a backend chosen by its user name.
 *
 * <p>Start a {@link io.pgmux.ProxyServer} with a {@link io.pgmux.Router} (a {@link
 * io.pgmux.StaticRouter} for a fixed map), point clients at its port, and each lands on its own
 * backend, user and database rewritten if configured. Packages named {@code internal} are not
 * API and change without notice.
 */
package io.pgmux;
