package io.pgmux;

import java.util.Objects;

/**
 * Where a routed client goes: a PostgreSQL server, and optionally the user name and database to
 * present there instead of the client's own.
 *
 * <p>A {@code null} {@link #user()} or {@link #database()} keeps what the client sent. Rewriting the
 * user works with SCRAM-SHA-256 and cleartext passwords, which the backend checks against the
 * rewritten user; it cannot work with MD5, whose hash the client salts with its own user name.
 *
 * @param host the backend's host name or IP address
 * @param port the backend's TCP port, 1 to 65535
 * @param user the user name to log in as on the backend, or {@code null} to keep the client's
 * @param database the database to connect to on the backend, or {@code null} to keep the client's
 */
public record BackendConfig(String host, int port, String user, String database) {

  /** The port PostgreSQL listens on unless told otherwise. */
  public static final int DEFAULT_PORT = 5432;

  /**
   * Validates every component.
   *
   * @throws IllegalArgumentException if the host is blank, the port outside 1..65535, or the user
   *     or database empty or containing a NUL character
   */
  public BackendConfig {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("backend host is blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "backend " + host + ": port " + port + " is outside 1..65535");
    }
    checkName("user", user);
    checkName("database", database);
  }

  /** Returns a backend at {@code host:port} that keeps the client's user and database. */
  public static BackendConfig of(String host, int port) {
    return new BackendConfig(host, port, null, null);
  }

  /** Returns a copy that logs in to the backend as {@code user} ({@code null} keeps the client's). */
  public BackendConfig withUser(String user) {
    return new BackendConfig(host, port, user, database);
  }

  /** Returns a copy that connects to {@code database} ({@code null} keeps the client's). */
  public BackendConfig withDatabase(String database) {
    return new BackendConfig(host, port, user, database);
  }

  /** Returns {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static void checkName(String what, String value) {
    if (value == null) {
      return;
    }
    if (value.isEmpty()) {
      throw new IllegalArgumentException(
          "backend " + what + " is empty: use null to keep the client's " + what);
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("backend " + what + " contains a NUL character");
    }
  }
}
