package io.pgmux.internal.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The proxy logging in to a backend with a route's credentials, answering whatever the backend
 * asks as libpq would: SCRAM-SHA-256, SCRAM-SHA-256-PLUS over TLS when offered, MD5, cleartext.
 * With {@code channel_binding=require} semantics, anything but a completed SCRAM-SHA-256-PLUS
 * exchange is refused, as libpq refuses it.
 *
 * <p>The password is fetched from the supplier only when a method needs it, and every array and
 * buffer derived from it is wiped once used (the caller wipes the PasswordMessage it wrote).
 */
public final class BackendAuthenticator {
  private final String user;
  private final Supplier<char[]> password;
  private final boolean tls;
  private final byte[] bindingData;
  private final boolean requireBinding;
  private ScramClient scram;
  private boolean scramDone;
  private boolean authenticated;

  /**
   * @param user the user the proxy logs in as (MD5 salts with it)
   * @param password the route's password, or null if it has none
   * @param tls whether the backend connection is TLS
   * @param bindingData tls-server-end-point data of the backend's certificate, or null
   * @param requireBinding libpq's {@code channel_binding=require}
   */
  public BackendAuthenticator(
      String user, Supplier<char[]> password, boolean tls, byte[] bindingData, boolean requireBinding) {
    this.user = user;
    this.password = password;
    this.tls = tls;
    this.bindingData = bindingData;
    this.requireBinding = requireBinding;
  }

  /**
   * Takes the body of an Authentication message (code first) and returns the answer to send, or
   * null when none is due (AuthenticationOk, SASLFinal).
   *
   * @throws AuthException when the request cannot or must not be answered, or the backend's
   *     SCRAM proof is wrong; the message names no secret
   */
  public ByteBuffer accept(ByteBuffer body) throws AuthException {
    if (body.remaining() < 4) {
      throw AuthException.protocol("invalid Authentication message from the backend");
    }
    int code = body.getInt();
    switch (code) {
      case AuthMessages.OK:
        if (requireBinding && !(scramDone && scram.channelBound())) {
          throw refused("the backend authenticated the proxy without channel binding");
        }
        if (scram != null && !scramDone) {
          throw refused("the backend ended the SCRAM exchange early");
        }
        authenticated = true;
        return null;
      case AuthMessages.CLEARTEXT:
        requireNoBinding("a cleartext password");
        char[] chars = password("a cleartext password");
        byte[] secret = SaslPrep.utf8(chars);
        Arrays.fill(chars, '\0');
        try {
          return AuthMessages.password(secret);
        } finally {
          Arrays.fill(secret, (byte) 0);
        }
      case AuthMessages.MD5:
        requireNoBinding("an MD5 password");
        if (body.remaining() != 4) {
          throw AuthException.protocol("invalid AuthenticationMD5Password message from the backend");
        }
        byte[] salt = new byte[4];
        body.get(salt);
        char[] md5Chars = password("an MD5 password");
        try {
          return AuthMessages.password(
              Md5.response(md5Chars, user, salt).getBytes(StandardCharsets.US_ASCII));
        } finally {
          Arrays.fill(md5Chars, '\0');
        }
      case AuthMessages.SASL:
        if (scram != null) {
          throw AuthException.protocol("the backend restarted the SASL exchange");
        }
        List<String> offered = AuthMessages.readMechanisms(body);
        char[] scramChars = password("a SCRAM password");
        byte[] prepared = SaslPrep.prepare(scramChars);
        Arrays.fill(scramChars, '\0');
        scram = new ScramClient(prepared, tls, bindingData);
        String mechanism = scram.choose(offered, requireBinding);
        if (mechanism == null) {
          scram.dispose();
          throw refused(
              requireBinding
                  ? "channel binding is required, but the backend offers " + offered
                  : "the backend offers no SASL mechanism the proxy supports: " + offered);
        }
        return AuthMessages.saslInitialResponse(mechanism, scram.first());
      case AuthMessages.SASL_CONTINUE:
        if (scram == null) {
          throw AuthException.protocol("AuthenticationSASLContinue without a SASL exchange");
        }
        return AuthMessages.saslResponse(scram.last(AuthMessages.readData(body)));
      case AuthMessages.SASL_FINAL:
        if (scram == null) {
          throw AuthException.protocol("AuthenticationSASLFinal without a SASL exchange");
        }
        scram.verify(AuthMessages.readData(body));
        scramDone = true;
        return null;
      default:
        throw refused("the backend asks for an authentication method the proxy does not support (" + name(code) + ")");
    }
  }

  /** Returns whether AuthenticationOk arrived and was acceptable. */
  public boolean authenticated() {
    return authenticated;
  }

  /** Returns whether the login bound to the backend's TLS channel. */
  public boolean channelBound() {
    return scramDone && scram.channelBound();
  }

  /** Wipes what a login that ended early still holds. */
  public void dispose() {
    if (scram != null) {
      scram.dispose();
    }
  }

  private char[] password(String what) throws AuthException {
    char[] chars = password == null ? null : password.get();
    if (chars == null) {
      throw new AuthException(
          "08001", "the backend asks for " + what + " and the route has no backend password");
    }
    return chars;
  }

  private void requireNoBinding(String what) throws AuthException {
    if (requireBinding) {
      throw refused("channel binding is required, but the backend asks for " + what);
    }
  }

  private static AuthException refused(String why) {
    return new AuthException("08001", why);
  }

  private static String name(int code) {
    switch (code) {
      case 2:
        return "Kerberos V5";
      case 6:
        return "SCM credentials";
      case 7:
      case 8:
        return "GSSAPI";
      case 9:
        return "SSPI";
      default:
        return "code " + code;
    }
  }
}
