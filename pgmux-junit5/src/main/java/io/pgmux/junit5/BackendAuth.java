package io.pgmux.junit5;

/**
 * How the embedded PostgreSQL servers authenticate the proxy ({@link PgMux#backendAuth()},
 * {@link PgMuxExtension.Builder#backendAuth}): the {@code pg_hba.conf} method of their TCP lines
 * for every role but the superuser {@code postgres}, which stays trusted for the extension's own
 * connections.
 */
public enum BackendAuth {
  /** {@code trust}: no password, and the proxy passes the login through. The default. */
  TRUST,
  /**
   * {@code scram-sha-256}: each routed role gets a password, the proxy authenticates clients
   * itself with SCRAM-SHA-256 against the same password and logs in to the server with it
   * (SCRAM-SHA-256-PLUS, channel-bound, over {@link PgMux#backendTls() TLS}). {@link
   * PgMuxProxy#jdbcUrl(String)} carries the password, so tests connect as before.
   */
  SCRAM_SHA_256
}
