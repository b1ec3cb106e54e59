package io.pgmux.internal.auth;

import io.pgmux.ClientAuth;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Function;

/**
 * What the proxy checks a client against, behind the public {@link ClientAuth}: nothing, a
 * password, or a SCRAM verifier. The records hold secrets, so none prints them.
 */
public sealed interface ClientCheck {
  /** Returns the check behind a {@link ClientAuth}. */
  static ClientCheck of(ClientAuth auth) {
    return Access.of(auth);
  }

  /** {@code trust}. */
  record Trust() implements ClientCheck {}

  /** {@code password}: the client sends the password in cleartext. */
  record Cleartext(char[] password) implements ClientCheck {
    /** Compares a PasswordMessage's bytes in constant time. */
    public boolean matches(byte[] sent) {
      byte[] expected = SaslPrep.utf8(password);
      try {
        return MessageDigest.isEqual(expected, sent);
      } finally {
        Arrays.fill(expected, (byte) 0);
      }
    }

    @Override
    public String toString() {
      return "Cleartext[<redacted>]";
    }
  }

  /** {@code md5}. */
  record Md5(char[] password) implements ClientCheck {
    public boolean matches(byte[] sent, String user, byte[] salt) {
      return io.pgmux.internal.auth.Md5.matches(
          new String(sent, StandardCharsets.UTF_8), password, user, salt);
    }

    @Override
    public String toString() {
      return "Md5[<redacted>]";
    }
  }

  /** {@code scram-sha-256}. */
  record Scram(ScramVerifier verifier) implements ClientCheck {}

  /**
   * Reaches the check inside a {@link ClientAuth} without making it public API: {@code ClientAuth}
   * installs the accessor when its class initializes, which happens before any instance exists.
   */
  final class Access {
    private static volatile Function<ClientAuth, ClientCheck> accessor;

    private Access() {}

    public static synchronized void install(Function<ClientAuth, ClientCheck> function) {
      if (accessor != null) {
        throw new IllegalStateException("already installed");
      }
      accessor = function;
    }

    static ClientCheck of(ClientAuth auth) {
      return accessor.apply(auth);
    }
  }
}
