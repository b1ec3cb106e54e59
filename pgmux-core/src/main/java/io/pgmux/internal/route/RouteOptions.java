package io.pgmux.internal.route;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.ClientAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The options a route may carry after {@code ?}, {@code &}-separated, in libpq's spelling where
 * libpq has one:
 *
 * <pre>
 *   sslmode=disable|prefer|require|verify-ca|verify-full   TLS to the backend
 *   sslrootcert=FILE|system                                 trusted roots (PEM, or the JDK's)
 *   sslnegotiation=postgres|direct                          direct: PostgreSQL 17+
 *   channel_binding=prefer|require                          for the proxy's own login
 *   auth=trust|password|md5|scram-sha-256                   the proxy authenticates clients
 *   auth_password_file=FILE | auth_password_env=VAR         the clients' password
 *   auth_verifier_file=FILE                                 or a SCRAM verifier (pg_authid)
 *   password_file=FILE | password_env=VAR                   the proxy's password at the backend
 * </pre>
 *
 * Secrets come from files or the environment, never from the command line, where any local user
 * could read them.
 */
public final class RouteOptions {
  public static final String HELP =
      String.join(
          "\n",
          "  Route options, after ? and separated by &:",
          "    sslmode=disable|prefer|require|verify-ca|verify-full   TLS to the backend (default disable)",
          "    sslrootcert=FILE|system           PEM roots to check the backend's certificate against;",
          "                                      system: the JDK's trust store (sslmode verify-full,",
          "                                      its default); none: ~/.postgresql/root.crt for verify-*",
          "    sslnegotiation=postgres|direct    direct TLS without SSLRequest (PostgreSQL 17+)",
          "    channel_binding=prefer|require    SCRAM channel binding for the proxy's own login",
          "    auth=trust|password|md5|scram-sha-256",
          "                                      the proxy authenticates clients itself, then logs in",
          "                                      to the backend with password_file or password_env",
          "    auth_password_file=FILE, auth_password_env=VAR, auth_verifier_file=FILE",
          "                                      the clients' password, or a SCRAM verifier as in pg_authid",
          "    password_file=FILE, password_env=VAR",
          "                                      the password the proxy logs in to the backend with");

  private RouteOptions() {}

  /**
   * Applies {@code query} (the text after {@code ?}) to {@code config}.
   *
   * @throws IllegalArgumentException naming the option, the value and what is allowed
   */
  static BackendConfig apply(BackendConfig config, String query, Function<String, String> env) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("option \"" + pair + "\" is not NAME=VALUE");
      }
      if (options.put(pair.substring(0, eq), pair.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("option " + pair.substring(0, eq) + " is given twice");
      }
    }
    String root = options.remove("sslrootcert");
    // As in libpq 16+, sslrootcert=system makes verify-full the default mode.
    String mode = options.remove("sslmode");
    if (mode == null) {
      mode = "system".equals(root) ? "verify-full" : "disable";
    }
    BackendTls tls = BackendTls.of(BackendTls.Mode.parse(mode));
    if ("system".equals(root)) {
      tls = tls.withSystemRoots();
    } else if (root != null) {
      tls = tls.withRootCertificate(Path.of(root));
    }
    String negotiation = options.remove("sslnegotiation");
    if (negotiation != null) {
      switch (negotiation) {
        case "postgres":
          break;
        case "direct":
          tls = tls.withNegotiation(BackendTls.Negotiation.DIRECT);
          break;
        default:
          throw new IllegalArgumentException(
              "sslnegotiation \"" + negotiation + "\" is not postgres or direct");
      }
    }
    String binding = options.remove("channel_binding");
    if (binding != null) {
      switch (binding) {
        case "prefer":
          break;
        case "require":
          tls = tls.requireChannelBinding();
          break;
        default:
          throw new IllegalArgumentException(
              "channel_binding \"" + binding + "\" is not prefer or require");
      }
    }
    config = config.withTls(tls);

    String auth = options.remove("auth");
    if (auth == null
        && options.keySet().stream()
            .anyMatch(k -> k.startsWith("password_") || k.startsWith("auth_"))) {
      throw new IllegalArgumentException(
          "passwords need auth=trust|password|md5|scram-sha-256: without it the proxy passes"
              + " the backend's password exchange through");
    }
    char[] backendPassword = secret(options, "password_file", "password_env", env);
    char[] clientPassword = secret(options, "auth_password_file", "auth_password_env", env);
    String verifierFile = options.remove("auth_verifier_file");
    if (!options.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown option " + options.keySet().iterator().next() + ": see --help for route options");
    }
    try {
      if (auth == null) {
        return config;
      }
      if (backendPassword != null) {
        config = config.withPassword(backendPassword);
      }
      return config.withClientAuth(clientAuth(auth, clientPassword, verifierFile));
    } finally {
      wipe(backendPassword);
      wipe(clientPassword);
    }
  }

  private static ClientAuth clientAuth(String method, char[] password, String verifierFile) {
    if (password != null && verifierFile != null) {
      throw new IllegalArgumentException("give auth_password_* or auth_verifier_file, not both");
    }
    switch (method) {
      case "trust":
        if (password != null || verifierFile != null) {
          throw new IllegalArgumentException("auth=trust takes no password");
        }
        return ClientAuth.trust();
      case "password":
      case "md5":
        if (password == null) {
          throw new IllegalArgumentException(
              "auth=" + method + " needs auth_password_file or auth_password_env");
        }
        return method.equals("md5") ? ClientAuth.md5(password) : ClientAuth.password(password);
      case "scram-sha-256":
        if (verifierFile != null) {
          return ClientAuth.scramVerifier(read(Path.of(verifierFile), "auth_verifier_file"));
        }
        if (password == null) {
          throw new IllegalArgumentException(
              "auth=scram-sha-256 needs auth_password_file, auth_password_env or auth_verifier_file");
        }
        return ClientAuth.scram(password);
      default:
        throw new IllegalArgumentException(
            "auth \"" + method + "\" is not trust, password, md5 or scram-sha-256");
    }
  }

  private static char[] secret(
      Map<String, String> options, String fileKey, String envKey, Function<String, String> env) {
    String file = options.remove(fileKey);
    String variable = options.remove(envKey);
    if (file != null && variable != null) {
      throw new IllegalArgumentException("give " + fileKey + " or " + envKey + ", not both");
    }
    if (file != null) {
      return passwordFile(fileKey, Path.of(file));
    }
    if (variable != null) {
      String value = env.apply(variable);
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException(envKey + ": environment variable " + variable + " is not set");
      }
      return value.toCharArray();
    }
    return null;
  }

  /**
   * Reads a password from {@code file}: UTF-8, without the trailing newline editors leave.
   *
   * @param what names the option in error messages
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is empty
   */
  public static char[] passwordFile(String what, Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(what + " " + file + " cannot be read", e);
    }
    int end = bytes.length;
    while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
      end--; // a trailing newline, as editors and echo leave it, is not part of the password
    }
    CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
    Arrays.fill(bytes, (byte) 0);
    char[] password = new char[chars.remaining()];
    chars.get(password);
    Arrays.fill(chars.array(), '\0');
    if (password.length == 0) {
      throw new IllegalArgumentException(what + " " + file + " is empty");
    }
    return password;
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(what + " " + file + " cannot be read", e);
    }
  }

  private static void wipe(char[] chars) {
    if (chars != null) {
      Arrays.fill(chars, '\0');
    }
  }
}
