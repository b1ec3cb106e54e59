package io.pgmux.test;

import io.pgmux.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/** The test certificates in {@code src/test/resources/tls}. */
public final class TestTls {
  private TestTls() {}

  /**
   * Returns a file holding the named resource: the resource itself in a build directory, a copy
   * when it comes from the test jar (other modules share these certificates through it).
   */
  public static Path file(String name) {
    URL url = TestTls.class.getResource("/tls/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource tls/" + name + " is missing");
    }
    try {
      if (url.getProtocol().equals("file")) {
        return Path.of(url.toURI());
      }
      Path copy = Files.createTempFile("pgmux-test-", "-" + name);
      copy.toFile().deleteOnExit();
      try (InputStream in = url.openStream()) {
        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      }
      return copy;
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException("cannot read test resource tls/" + name, e);
    }
  }

  /** An RSA certificate for localhost with a PKCS#8 key. */
  public static TlsConfig rsa() {
    return TlsConfig.pem(file("rsa.crt"), file("rsa-pkcs8.key"));
  }

  /** A client-side SSL context that trusts the test certificates (RSA and EC) and nothing else. */
  public static SSLContext clientContext() {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      for (String name : new String[] {"rsa.crt", "ec.crt"}) {
        try (InputStream in = Files.newInputStream(file(name))) {
          trusted.setCertificateEntry(name, CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the test client SSL context", e);
    }
  }

  /**
   * An SSL context with the RSA certificate whose key manager, when a handshake asks it for the
   * server's key, records the asking thread and waits for {@code release} (at most 30 s).
   */
  public static SSLContext contextHoldingHandshakes(
      CountDownLatch release, AtomicReference<String> askingThread) {
    try {
      Certificate certificate;
      try (InputStream in = Files.newInputStream(file("rsa.crt"))) {
        certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      String pem = Files.readString(file("rsa-pkcs8.key"), StandardCharsets.US_ASCII);
      byte[] der =
          Base64.getMimeDecoder()
              .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, new char[0], new Certificate[] {certificate});
      KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
      factory.init(store, new char[0]);
      X509ExtendedKeyManager real = (X509ExtendedKeyManager) factory.getKeyManagers()[0];
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new HoldingKeyManager(real, release, askingThread)}, null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the test SSL context", e);
    }
  }

  private static final class HoldingKeyManager extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager real;
    private final CountDownLatch release;
    private final AtomicReference<String> askingThread;

    HoldingKeyManager(
        X509ExtendedKeyManager real, CountDownLatch release, AtomicReference<String> askingThread) {
      this.real = real;
      this.release = release;
      this.askingThread = askingThread;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      String alias = real.chooseEngineServerAlias(keyType, issuers, engine);
      if (alias != null) {
        askingThread.compareAndSet(null, Thread.currentThread().getName());
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return alias;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return real.getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return real.chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return real.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return real.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return real.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return real.getPrivateKey(alias);
    }
  }
}
