package io.pgmux;

import io.pgmux.internal.tls.ClientContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How the proxy reaches a backend: in plain TCP or TLS, and what it checks of the backend's
 * certificate. The modes mean what libpq's {@code sslmode} means:
 *
 * <ul>
 *   <li>{@link Mode#DISABLE}: plain TCP.
 *   <li>{@link Mode#PREFER}: TLS if the backend answers the SSLRequest with {@code S}, plain TCP
 *       if it answers {@code N}. If the TLS handshake then fails (a certificate the roots do not
 *       accept, no common protocol, the backend closing), the proxy closes that connection and
 *       tries once more on a new one without TLS, as libpq does.
 *   <li>{@link Mode#REQUIRE}: TLS or nothing; a backend that refuses TLS gets the client a FATAL
 *       {@code 08001} naming the backend's answer.
 *   <li>{@link Mode#VERIFY_CA}: TLS, and the backend's certificate chain must lead to a trusted
 *       root. The host name is not checked.
 *   <li>{@link Mode#VERIFY_FULL}: as {@code VERIFY_CA}, and the certificate must name the backend
 *       host (subjectAltName DNS or IP entries, the common name only when there is no entry of the
 *       host's kind; a leading {@code *.} matches one label), as libpq checks it.
 * </ul>
 *
 * <p>As in libpq, trusted roots make every TLS mode check the chain: {@code prefer} and {@code
 * require} with a root certificate behave as {@code verify-ca} once TLS is up. {@code verify-ca}
 * and {@code verify-full} need roots: a root certificate, {@link #withSystemRoots()} (the JDK's
 * default trust store, libpq's {@code sslrootcert=system}) or an {@link SSLContext}. Without any,
 * they take libpq's default file {@code ~/.postgresql/root.crt} when the route is made ({@link
 * BackendConfig#withTls}), and fail there, naming that file, if it does not exist. A given {@link
 * SSLContext} supplies the trust (and, if it has one, a client certificate) for every TLS mode.
 *
 * <p>The proxy sends SNI with the backend's host name (not for IP addresses), offers the ALPN
 * protocol {@code postgresql}, and never uses a protocol older than TLS 1.2. With {@link
 * Negotiation#DIRECT} (PostgreSQL 17 and later) it opens with the TLS handshake instead of an
 * SSLRequest, and insists that the backend selects ALPN {@code postgresql}, as libpq does.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class BackendTls {
  /** libpq's {@code sslmode} values, less {@code allow}. */
  public enum Mode {
    DISABLE,
    PREFER,
    REQUIRE,
    VERIFY_CA,
    VERIFY_FULL;

    /** Returns the libpq spelling: {@code verify-full} and so on. */
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Reads a libpq spelling such as {@code verify-full}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Mode parse(String text) {
      for (Mode mode : values()) {
        if (mode.toString().equals(text)) {
          return mode;
        }
      }
      throw new IllegalArgumentException(
          "backend TLS mode \"" + text + "\" is not one of disable, prefer, require, verify-ca, verify-full");
    }
  }

  /** libpq's {@code sslnegotiation}: how TLS starts. */
  public enum Negotiation {
    /** SSLRequest first, then the handshake: every PostgreSQL version. */
    POSTGRES,
    /** The handshake straight away, with ALPN {@code postgresql}: PostgreSQL 17 and later. */
    DIRECT
  }

  private static final BackendTls DISABLED =
      new BackendTls(Mode.DISABLE, Negotiation.POSTGRES, null, null, false, false);

  private final Mode mode;
  private final Negotiation negotiation;
  /** The PEM file the roots came from, for messages; null if none. */
  private final Path rootCertificate;
  /** Null: build one when needed (trust everything for prefer/require, system roots for verify-*). */
  private final SSLContext context;
  private final boolean channelBindingRequired;
  /** The context is the JDK's default trust store (sslrootcert=system). */
  private final boolean systemRoots;

  private BackendTls(
      Mode mode,
      Negotiation negotiation,
      Path rootCertificate,
      SSLContext context,
      boolean channelBindingRequired,
      boolean systemRoots) {
    this.mode = mode;
    this.negotiation = negotiation;
    this.rootCertificate = rootCertificate;
    this.context = context;
    this.channelBindingRequired = channelBindingRequired;
    this.systemRoots = systemRoots;
  }

  /** Plain TCP, the default. */
  public static BackendTls disable() {
    return DISABLED;
  }

  /** TLS when the backend supports it, else plain TCP; the certificate is not checked. */
  public static BackendTls prefer() {
    return of(Mode.PREFER);
  }

  /** TLS or nothing; the certificate is not checked (unless roots are added). */
  public static BackendTls require() {
    return of(Mode.REQUIRE);
  }

  /** TLS with the chain checked against the roots in a PEM file; the host name is not checked. */
  public static BackendTls verifyCa(Path rootCertificate) {
    return of(Mode.VERIFY_CA).withRootCertificate(rootCertificate);
  }

  /** TLS with the chain checked against the roots in a PEM file and the host name checked. */
  public static BackendTls verifyFull(Path rootCertificate) {
    return of(Mode.VERIFY_FULL).withRootCertificate(rootCertificate);
  }

  /**
   * The given mode with no roots of its own: {@code verify-ca} and {@code verify-full} then take
   * {@code ~/.postgresql/root.crt} when the route is made, as libpq does, unless roots are added.
   */
  public static BackendTls of(Mode mode) {
    Objects.requireNonNull(mode, "mode");
    return mode == Mode.DISABLE
        ? DISABLED
        : new BackendTls(mode, Negotiation.POSTGRES, null, null, false, false);
  }

  /**
   * Returns a copy that trusts the JDK's default trust store ({@code cacerts}, or what {@code
   * javax.net.ssl.trustStore} names): libpq's {@code sslrootcert=system}. As libpq insists, only
   * with {@code verify-full}: anyone can get a publicly trusted certificate for a name they
   * control, so a weaker check would prove nothing.
   *
   * @throws IllegalArgumentException for any mode but {@code verify-full}
   */
  public BackendTls withSystemRoots() {
    if (mode != Mode.VERIFY_FULL) {
      throw new IllegalArgumentException(
          "weak backend TLS mode " + mode + " may not be used with the system's roots"
              + " (sslrootcert=system): use verify-full");
    }
    return new BackendTls(
        mode, negotiation, null, ClientContexts.systemRoots(), channelBindingRequired, true);
  }

  /**
   * Returns a copy that trusts the root certificates in a PEM file (libpq's {@code sslrootcert}).
   *
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no certificate, or the mode is {@code disable}
   */
  public BackendTls withRootCertificate(Path rootCertificate) {
    Objects.requireNonNull(rootCertificate, "rootCertificate");
    requireTls("a root certificate");
    try {
      return new BackendTls(
          mode,
          negotiation,
          rootCertificate,
          ClientContexts.trusting(rootCertificate),
          channelBindingRequired,
          false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "backend TLS root certificate " + rootCertificate + " is not usable: " + e.getMessage(), e);
    }
  }

  /**
   * Returns a copy whose TLS engines come from {@code context}: its trust managers check the
   * backend's chain (in every TLS mode, as with a root certificate) and its key managers may
   * present a client certificate. Protocols older than TLS 1.2 stay off.
   */
  public BackendTls withContext(SSLContext context) {
    Objects.requireNonNull(context, "context");
    requireTls("an SSLContext");
    return new BackendTls(mode, negotiation, null, context, channelBindingRequired, false);
  }

  /**
   * Returns a copy that starts TLS as {@code negotiation} says.
   *
   * @throws IllegalArgumentException for {@code DIRECT} with {@code prefer}: as in libpq, a direct
   *     handshake cannot fall back to plain TCP, so it needs {@code require} or stricter
   */
  public BackendTls withNegotiation(Negotiation negotiation) {
    Objects.requireNonNull(negotiation, "negotiation");
    if (negotiation == Negotiation.DIRECT && (mode == Mode.DISABLE || mode == Mode.PREFER)) {
      throw new IllegalArgumentException(
          "backend TLS negotiation direct needs mode require, verify-ca or verify-full, not " + mode);
    }
    return new BackendTls(
        mode, negotiation, rootCertificate, context, channelBindingRequired, systemRoots);
  }

  /**
   * Returns a copy that, when the proxy itself logs in to the backend (proxy-side
   * authentication), accepts only SCRAM-SHA-256-PLUS: libpq's {@code channel_binding=require}.
   *
   * @throws IllegalArgumentException if the mode is {@code disable}
   */
  public BackendTls requireChannelBinding() {
    requireTls("channel binding");
    return new BackendTls(mode, negotiation, rootCertificate, context, true, systemRoots);
  }

  /**
   * Returns this, or for {@code verify-ca} and {@code verify-full} without roots a copy trusting
   * libpq's default file {@code ~/.postgresql/root.crt}.
   *
   * @throws IllegalArgumentException if that file does not exist, saying how to give roots
   */
  BackendTls withDefaultRoots() {
    if ((mode != Mode.VERIFY_CA && mode != Mode.VERIFY_FULL) || context != null) {
      return this;
    }
    Path file = defaultRootCertificate();
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(
          "backend TLS mode " + mode + " needs trusted roots, and root certificate file \""
              + file + "\" does not exist: give one (sslrootcert=FILE,"
              + " BackendTls.withRootCertificate), use the system's roots (sslrootcert=system,"
              + " BackendTls.withSystemRoots()), or choose a mode that does not verify the"
              + " certificate");
    }
    return withRootCertificate(file);
  }

  /** libpq's default {@code sslrootcert}: {@code ~/.postgresql/root.crt}. */
  static Path defaultRootCertificate() {
    return Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
  }

  public Mode mode() {
    return mode;
  }

  public Negotiation negotiation() {
    return negotiation;
  }

  /** Returns whether TLS is attempted at all. */
  public boolean enabled() {
    return mode != Mode.DISABLE;
  }

  /** Returns whether the backend's certificate chain is checked once TLS is up. */
  public boolean verifiesChain() {
    return mode == Mode.VERIFY_CA || mode == Mode.VERIFY_FULL || context != null;
  }

  /** Returns whether the certificate must name the backend host. */
  public boolean verifiesHostName() {
    return mode == Mode.VERIFY_FULL;
  }

  /** Returns whether the proxy's own login insists on SCRAM channel binding. */
  public boolean channelBindingRequired() {
    return channelBindingRequired;
  }

  /** Returns the PEM file of trusted roots, or null. */
  public Path rootCertificate() {
    return rootCertificate;
  }

  /** Returns whether the JDK's default trust store holds the roots ({@link #withSystemRoots()}). */
  public boolean systemRoots() {
    return systemRoots;
  }

  /**
   * Returns the context client engines are made from: the given one, the root certificate's, the
   * JDK's default trust store's, for the verify modes without roots that of {@code
   * ~/.postgresql/root.crt}, or one that accepts any certificate for {@code prefer} and {@code
   * require} without roots.
   *
   * @throws IllegalStateException for {@code disable}
   * @throws IllegalArgumentException for a verify mode without roots and no {@code
   *     ~/.postgresql/root.crt}
   */
  public SSLContext context() {
    if (mode == Mode.DISABLE) {
      throw new IllegalStateException("backend TLS is disabled");
    }
    if (context != null) {
      return context;
    }
    return verifiesChain() ? withDefaultRoots().context : ClientContexts.trustingAnyone();
  }

  private void requireTls(String what) {
    if (mode == Mode.DISABLE) {
      throw new IllegalArgumentException(
          "backend TLS mode disable takes no " + what + ": choose prefer, require, verify-ca or verify-full");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BackendTls)) {
      return false;
    }
    BackendTls other = (BackendTls) o;
    return mode == other.mode
        && negotiation == other.negotiation
        && Objects.equals(rootCertificate, other.rootCertificate)
        && (rootCertificate != null || context == other.context)
        && channelBindingRequired == other.channelBindingRequired
        && systemRoots == other.systemRoots;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, negotiation, rootCertificate, channelBindingRequired, systemRoots);
  }

  /** Returns the mode and its options, as in {@code verify-full root=ca.pem direct}. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(mode.toString());
    if (rootCertificate != null) {
      out.append(" root=").append(rootCertificate);
    } else if (systemRoots) {
      out.append(" root=system");
    } else if (context != null) {
      out.append(" context");
    }
    if (negotiation == Negotiation.DIRECT) {
      out.append(" direct");
    }
    if (channelBindingRequired) {
      out.append(" channel-binding=require");
    }
    return out.toString();
  }
}
