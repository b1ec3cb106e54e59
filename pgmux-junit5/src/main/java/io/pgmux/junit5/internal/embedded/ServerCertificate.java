package io.pgmux.junit5.internal.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The certificate of this JVM's embedded servers with TLS on: self-signed, for 127.0.0.1 and
 * localhost, made at first use with the JDK's {@code keytool} (the JDK has no API that signs a
 * certificate) and kept as PEM files in the {@link Workspace}, which is deleted with the JVM. The
 * certificate is its own root: the proxy checks servers against it with {@code verify-full}.
 */
final class ServerCertificate {
  private static final String ALIAS = "server";
  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

  /** The PEM files a server reads ({@code ssl_cert_file}, {@code ssl_key_file}); the certificate is also the root. */
  record Pem(Path certificate, Path key) {}

  private static Pem files;

  private ServerCertificate() {}

  /**
   * Returns the certificate and key, making them on first use.
   *
   * @throws IllegalStateException if {@code keytool} is missing or fails
   */
  static synchronized Pem get() {
    if (files == null) {
      files = make(Workspace.root().resolve("tls"));
    }
    return files;
  }

  private static Pem make(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Path store = dir.resolve("server.p12");
      // The store lives for a moment, in the workspace; its password protects nothing beyond that.
      String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      List<String> command =
          List.of(
              keytool.toString(),
              "-genkeypair",
              "-alias", ALIAS,
              "-keyalg", "RSA",
              "-keysize", "2048",
              "-validity", "30",
              "-dname", "CN=localhost",
              "-ext", "SAN=ip:127.0.0.1,dns:localhost",
              "-storetype", "PKCS12",
              "-keystore", store.toString(),
              "-storepass", password,
              "-keypass", password);
      Process process =
          new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("pgmux: " + keytool + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "pgmux: making the embedded servers' TLS certificate with " + keytool + " failed: " + output.strip());
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keys.load(in, password.toCharArray());
      }
      Key key = keys.getKey(ALIAS, password.toCharArray());
      Certificate certificate = keys.getCertificate(ALIAS);
      Files.delete(store);
      Path keyFile = dir.resolve("server.key");
      Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      // PostgreSQL reads unencrypted PKCS#8 ("PRIVATE KEY"), which is what getEncoded() gives.
      Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
      Path certificateFile = dir.resolve("server.crt");
      Files.writeString(certificateFile, pem("CERTIFICATE", certificate.getEncoded()));
      return new Pem(certificateFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("pgmux: cannot make the embedded servers' TLS certificate", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("pgmux: cannot read the embedded servers' TLS certificate", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pgmux: interrupted while making the embedded servers' TLS certificate", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
