/**
 * JUnit 5 support for pgMux: {@link io.pgmux.junit5.PgMux @PgMux} (or {@link
 * io.pgmux.junit5.PgMuxExtension}) runs a proxy per test class, with embedded PostgreSQL servers
 * as default backends, and injects its {@link io.pgmux.junit5.PgMuxProxy} handle. The {@code
 * internal} package is not API.
 */
package io.pgmux.junit5;
