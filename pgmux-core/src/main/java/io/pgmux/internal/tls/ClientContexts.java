package io.pgmux.internal.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The client-side {@link SSLContext}s the proxy uses towards backends. */
public final class ClientContexts {
  private ClientContexts() {}

  /** Trusts exactly the certificates in a PEM file (one or more, as libpq's sslrootcert). */
  public static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
    Collection<? extends Certificate> roots;
    try (InputStream in = Files.newInputStream(pem)) {
      roots = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (roots.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + pem);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    int i = 0;
    for (Certificate root : roots) {
      store.setCertificateEntry("root-" + i++, root);
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), new SecureRandom());
    return context;
  }

  /** The JDK's default trust store (libpq's sslrootcert=system). */
  public static SSLContext systemRoots() {
    return Holder.SYSTEM;
  }

  /**
   * Accepts any server certificate: libpq's {@code sslmode=require} without roots, which encrypts
   * but does not authenticate the server.
   */
  public static SSLContext trustingAnyone() {
    return Holder.ANYONE;
  }

  private static final class Holder {
    static final SSLContext SYSTEM = build(null);
    static final SSLContext ANYONE = build(new TrustManager[] {new AnyCertificate()});

    private static SSLContext build(TrustManager[] trust) {
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, new SecureRandom());
        return context;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK cannot make a TLS context", e);
      }
    }
  }

  private static final class AnyCertificate extends X509ExtendedTrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
