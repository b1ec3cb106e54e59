package io.pgmux.internal.tls;

import io.pgmux.BackendTls;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Client-side TLS engines towards backends, and the checks libpq makes once a handshake is done. */
public final class BackendEngines {
  public static final String ALPN = "postgresql";
  private static final List<String> MODERN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private BackendEngines() {}

  /**
   * Creates a client engine for {@code host:port}: TLS 1.2 or later, ALPN {@code postgresql}, SNI
   * with the host name unless it is an IP address. The chain is checked by the context's trust
   * managers; the host name is checked afterwards by {@link #check}.
   */
  public static SSLEngine create(BackendTls tls, String host, int port) {
    SSLEngine engine = tls.context().createSSLEngine(host, port);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    String[] protocols =
        Arrays.stream(parameters.getProtocols()).filter(MODERN_PROTOCOLS::contains).toArray(String[]::new);
    if (protocols.length == 0) {
      throw new IllegalStateException(
          "the backend SSLContext enables no protocol of TLS 1.2 or later: "
              + Arrays.toString(parameters.getProtocols()));
    }
    parameters.setProtocols(protocols);
    parameters.setApplicationProtocols(new String[] {ALPN});
    parameters.setEndpointIdentificationAlgorithm(null);
    parameters.setServerNames(
        HostNames.isAddress(host) ? List.of() : List.of(new SNIHostName(host)));
    engine.setSSLParameters(parameters);
    return engine;
  }

  /**
   * Checks a finished handshake as libpq does: ALPN for direct negotiation, the host name for
   * {@code verify-full}. Returns null if all is well, else why not.
   */
  public static String check(BackendTls tls, SSLEngine engine, String host) {
    if (tls.negotiation() == BackendTls.Negotiation.DIRECT
        && !ALPN.equals(engine.getApplicationProtocol())) {
      return "direct SSL connection was established without ALPN protocol negotiation extension";
    }
    if (tls.verifiesHostName()) {
      X509Certificate certificate = serverCertificate(engine);
      if (certificate == null) {
        return "server did not present a certificate";
      }
      return HostNames.mismatch(certificate, host);
    }
    return null;
  }

  /** Returns the backend's own certificate from a finished handshake, or null. */
  public static X509Certificate serverCertificate(SSLEngine engine) {
    try {
      Certificate[] chain = engine.getSession().getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate ? (X509Certificate) chain[0] : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
