package io.pgmux;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where a routed client goes: a PostgreSQL server, optionally the user name and database to
 * present there instead of the client's own, how to reach it ({@link BackendTls}), and whether
 * the proxy authenticates the client itself ({@link ClientAuth}).
 *
 * <p>A {@code null} {@link #user()} or {@link #database()} keeps what the client sent.
 *
 * <p><b>Passthrough</b> (the default, {@code clientAuth} null): the backend's password exchange
 * passes through, so the client answers it. Rewriting the user works with SCRAM-SHA-256 and
 * cleartext passwords, which the backend checks against the rewritten user; it cannot work with
 * MD5, whose hash the client salts with its own user name.
 *
 * <p><b>Proxy-side authentication</b> ({@link #withClientAuth}): the proxy checks the client, then
 * logs in to the backend itself with {@link #password()}, answering SCRAM-SHA-256 (with channel
 * binding over TLS), MD5 or cleartext, and issues the client cancel keys of its own.
 *
 * <p>The password never appears in {@link #toString()}, in {@link SessionInfo}, in exceptions or
 * in logs.
 *
 * @param host the backend's host name or IP address
 * @param port the backend's TCP port, 1 to 65535
 * @param user the user name to log in as on the backend, or {@code null} to keep the client's
 * @param database the database to connect to on the backend, or {@code null} to keep the client's
 * @param tls plain TCP or TLS to the backend; {@code null} means {@link BackendTls#disable()}.
 *     {@code verify-ca} and {@code verify-full} without roots take {@code ~/.postgresql/root.crt},
 *     as libpq does, and an {@link IllegalArgumentException} naming that file if it is missing
 * @param password gives the password for the proxy's own login to the backend, a fresh array per
 *     call that the proxy wipes after use; {@code null} for none
 * @param clientAuth how the proxy authenticates clients itself, or {@code null} to pass the
 *     backend's exchange through
 */
public record BackendConfig(
    String host,
    int port,
    String user,
    String database,
    BackendTls tls,
    Supplier<char[]> password,
    ClientAuth clientAuth) {

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
    if (tls == null) {
      tls = BackendTls.disable();
    }
    // libpq reads ~/.postgresql/root.crt for the verify modes without sslrootcert; a missing
    // file is a configuration error the route's author should see now, not at the first login.
    tls = tls.withDefaultRoots();
  }

  /** A plain TCP backend in passthrough mode. */
  public BackendConfig(String host, int port, String user, String database) {
    this(host, port, user, database, null, null, null);
  }

  /** Returns a backend at {@code host:port} that keeps the client's user and database. */
  public static BackendConfig of(String host, int port) {
    return new BackendConfig(host, port, null, null);
  }

  /** Returns a copy that logs in to the backend as {@code user} ({@code null} keeps the client's). */
  public BackendConfig withUser(String user) {
    return new BackendConfig(host, port, user, database, tls, password, clientAuth);
  }

  /** Returns a copy that connects to {@code database} ({@code null} keeps the client's). */
  public BackendConfig withDatabase(String database) {
    return new BackendConfig(host, port, user, database, tls, password, clientAuth);
  }

  /** Returns a copy that reaches the backend as {@code tls} says ({@code null}: plain TCP). */
  public BackendConfig withTls(BackendTls tls) {
    return new BackendConfig(host, port, user, database, tls, password, clientAuth);
  }

  /**
   * Returns a copy whose proxy-side login uses {@code password}. The array is copied, so the
   * caller may wipe it; the copy lives as long as this configuration.
   */
  public BackendConfig withPassword(char[] password) {
    return new BackendConfig(
        host, port, user, database, tls, password == null ? null : new StoredPassword(password), clientAuth);
  }

  /**
   * Returns a copy whose proxy-side login asks {@code password} for the password at each login
   * (from a vault, say); the proxy wipes each array it gets once the login no longer needs it.
   */
  public BackendConfig withPassword(Supplier<char[]> password) {
    return new BackendConfig(host, port, user, database, tls, password, clientAuth);
  }

  /**
   * Returns a copy in which the proxy authenticates clients itself, as {@code clientAuth} says,
   * and then logs in to the backend with {@link #password()}; {@code null} restores passthrough.
   */
  public BackendConfig withClientAuth(ClientAuth clientAuth) {
    return new BackendConfig(host, port, user, database, tls, password, clientAuth);
  }

  /** Returns {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Returns the components, with TLS and authentication only when set and never a password. */
  @Override
  public String toString() {
    StringBuilder out =
        new StringBuilder("BackendConfig[host=")
            .append(host)
            .append(", port=")
            .append(port)
            .append(", user=")
            .append(user)
            .append(", database=")
            .append(database);
    if (tls.enabled()) {
      out.append(", tls=").append(tls);
    }
    if (password != null) {
      out.append(", password=<set>");
    }
    if (clientAuth != null) {
      out.append(", clientAuth=").append(clientAuth);
    }
    return out.append(']').toString();
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

  /** A password held for the configuration's lifetime; hands out copies. */
  private static final class StoredPassword implements Supplier<char[]> {
    private final char[] password;

    StoredPassword(char[] password) {
      this.password = password.clone();
    }

    @Override
    public char[] get() {
      return password.clone();
    }

    @Override
    public String toString() {
      return "<password>";
    }
  }
}
