package io.pgmux;

import io.pgmux.internal.tls.PemFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * How the proxy terminates TLS for its clients ({@code sslmode=require} and stricter, and
 * PostgreSQL 17's direct TLS negotiation).
 *
 * <p>Protocols older than TLS 1.2 are never enabled, whatever the {@link SSLContext} allows. The
 * proxy offers the ALPN protocol {@code postgresql}, which libpq 17 and later insist on.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TlsConfig {
  private static final String[] MODERN_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SSLContext context;
  private final boolean required;

  private TlsConfig(SSLContext context, boolean required) {
    this.context = Objects.requireNonNull(context, "context");
    this.required = required;
  }

  /**
   * Reads a certificate chain and its private key from PEM files.
   *
   * <p>The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE
   * KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}), unencrypted, as {@code openssl} writes them.
   *
   * @throws UncheckedIOException if a file cannot be read
   * @throws IllegalArgumentException if a file holds no certificate or no usable key
   */
  public static TlsConfig pem(Path certificateChain, Path privateKey) {
    try {
      return new TlsConfig(PemFiles.serverContext(certificateChain, privateKey), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot use " + certificateChain + " and " + privateKey + " for TLS: " + e.getMessage(),
          e);
    }
  }

  /**
   * Uses a ready {@link SSLContext}, for settings the PEM form does not cover (key stores, cipher
   * suites, TLS 1.3 only). Its default parameters apply, less any protocol older than TLS 1.2.
   */
  public static TlsConfig of(SSLContext context) {
    return new TlsConfig(context, false);
  }

  /**
   * Returns a copy that refuses clients that do not use TLS, with SQLSTATE {@code 28000}, as a
   * {@code hostssl}-only PostgreSQL server would.
   */
  public TlsConfig required() {
    return new TlsConfig(context, true);
  }

  /** Returns whether clients without TLS are refused. */
  public boolean isRequired() {
    return required;
  }

  /** Returns the context that server-side engines are made from. */
  public SSLContext context() {
    return context;
  }

  /** Creates a server-side engine with the protocols and ALPN the proxy uses. */
  SSLEngine newServerEngine() {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    String[] protocols =
        Arrays.stream(parameters.getProtocols())
            .filter(p -> Arrays.asList(MODERN_PROTOCOLS).contains(p))
            .toArray(String[]::new);
    if (protocols.length == 0) {
      throw new IllegalStateException(
          "the SSLContext enables no protocol of TLS 1.2 or later: "
              + Arrays.toString(parameters.getProtocols()));
    }
    parameters.setProtocols(protocols);
    parameters.setApplicationProtocols(new String[] {"postgresql"});
    engine.setSSLParameters(parameters);
    return engine;
  }
}
