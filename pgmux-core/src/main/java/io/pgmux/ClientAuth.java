package io.pgmux;

import io.pgmux.internal.auth.ClientCheck;
import io.pgmux.internal.auth.ScramVerifier;
import java.util.Objects;

/**
 * How the proxy authenticates the clients of a route itself, instead of passing the backend's
 * password exchange through: the methods of PostgreSQL's {@code pg_hba.conf}, with the same
 * messages and SQLSTATEs ({@code 28P01} for a wrong password). Only once the client passed does the
 * proxy open a backend connection and log in with the route's own credentials ({@link
 * BackendConfig#withPassword(char[])}).
 *
 * <p>The password is checked for the user the client named, so MD5 works even when the route
 * rewrites the user, and SCRAM channel binding ({@code SCRAM-SHA-256-PLUS}) binds to the proxy's
 * own certificate when the client uses TLS.
 *
 * <p>A password given as {@code char[]} is copied, so the caller may wipe its array; {@link
 * #scram(char[])} keeps only the derived verifier. {@link #toString()} shows the method alone.
 * Instances are immutable and thread-safe.
 */
public final class ClientAuth {
  /** The {@code pg_hba.conf} method names. */
  public enum Method {
    TRUST("trust"),
    PASSWORD("password"),
    MD5("md5"),
    SCRAM_SHA_256("scram-sha-256");

    private final String hbaName;

    Method(String hbaName) {
      this.hbaName = hbaName;
    }

    /** Returns the {@code pg_hba.conf} spelling. */
    @Override
    public String toString() {
      return hbaName;
    }
  }

  static {
    ClientCheck.Access.install(auth -> auth.check);
  }

  private final Method method;
  private final ClientCheck check;

  private ClientAuth(Method method, ClientCheck check) {
    this.method = method;
    this.check = check;
  }

  /** Lets every client in without a password, as {@code trust} does. */
  public static ClientAuth trust() {
    return new ClientAuth(Method.TRUST, new ClientCheck.Trust());
  }

  /** Asks for the password in cleartext ({@code password}): use it only with TLS. */
  public static ClientAuth password(char[] password) {
    return new ClientAuth(Method.PASSWORD, new ClientCheck.Cleartext(copy(password)));
  }

  /** Asks for an MD5 hash of the password, salted with the client's user name and 4 random bytes. */
  public static ClientAuth md5(char[] password) {
    return new ClientAuth(Method.MD5, new ClientCheck.Md5(copy(password)));
  }

  /**
   * SCRAM-SHA-256 against a verifier derived now from {@code password} (random salt, 4096
   * iterations, SASLprep as PostgreSQL applies it). The password itself is not kept.
   */
  public static ClientAuth scram(char[] password) {
    return new ClientAuth(
        Method.SCRAM_SHA_256,
        new ClientCheck.Scram(ScramVerifier.derive(Objects.requireNonNull(password, "password"))));
  }

  /**
   * SCRAM-SHA-256 against a stored verifier in PostgreSQL's form, {@code
   * SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, as {@code SELECT rolpassword FROM
   * pg_authid} shows it.
   *
   * @throws IllegalArgumentException if the text is not such a verifier (the message does not
   *     repeat it)
   */
  public static ClientAuth scramVerifier(String verifier) {
    Objects.requireNonNull(verifier, "verifier");
    return new ClientAuth(Method.SCRAM_SHA_256, new ClientCheck.Scram(ScramVerifier.parse(verifier)));
  }

  public Method method() {
    return method;
  }

  private static char[] copy(char[] password) {
    return Objects.requireNonNull(password, "password").clone();
  }

  /** Returns the method's {@code pg_hba.conf} name; never a secret. */
  @Override
  public String toString() {
    return method.toString();
  }
}
