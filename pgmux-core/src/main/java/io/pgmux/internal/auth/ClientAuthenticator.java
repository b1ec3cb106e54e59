package io.pgmux.internal.auth;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The proxy's side of a client's login under proxy-side authentication: sends the challenge of the
 * route's method, checks the answers, and ends with AuthenticationOk only once the client proved
 * it knows the password. Messages and SQLSTATEs are PostgreSQL's: {@code 28P01} "password
 * authentication failed for user" for a wrong password, {@code 08P01} for a malformed exchange.
 *
 * <p>Not thread-safe: one per login.
 */
public final class ClientAuthenticator {
  private final ClientCheck check;
  private final String user;
  private final ScramServer scram;
  private byte[] md5Salt;
  private boolean saslStarted;
  private boolean done;

  /**
   * @param user the user named in the client's startup message (MD5 salts with it)
   * @param bindingData tls-server-end-point data of the proxy's certificate when the client came
   *     over TLS, else null; SCRAM then offers {@code SCRAM-SHA-256-PLUS}
   */
  public ClientAuthenticator(ClientCheck check, String user, byte[] bindingData) {
    this.check = check;
    this.user = user;
    this.scram =
        check instanceof ClientCheck.Scram
            ? new ScramServer(((ClientCheck.Scram) check).verifier(), user, bindingData)
            : null;
  }

  /** Returns the first message for the client: a challenge, or AuthenticationOk for trust. */
  public ByteBuffer start() {
    if (check instanceof ClientCheck.Trust) {
      done = true;
      return AuthMessages.ok();
    }
    if (check instanceof ClientCheck.Cleartext) {
      return AuthMessages.cleartext();
    }
    if (check instanceof ClientCheck.Md5) {
      md5Salt = Md5.salt();
      return AuthMessages.md5(md5Salt);
    }
    return AuthMessages.sasl(scram.mechanisms());
  }

  /**
   * Takes the body of the client's next message, which must be of type {@code p}, and returns
   * what to send back; once {@link #done()}, that ends with AuthenticationOk.
   *
   * @throws AuthException if the client failed or broke the exchange
   */
  public ByteBuffer accept(byte type, ByteBuffer body) throws AuthException {
    if (done) {
      throw new IllegalStateException("authentication is over");
    }
    if (type != AuthMessages.PASSWORD) {
      throw AuthException.protocol(
          "expected " + (scram != null ? "SASL" : "password") + " response, got message type " + type);
    }
    if (check instanceof ClientCheck.Cleartext) {
      byte[] sent = AuthMessages.readPassword(body);
      try {
        if (sent.length == 0 || !((ClientCheck.Cleartext) check).matches(sent)) {
          throw AuthException.passwordFailed(user);
        }
      } finally {
        Arrays.fill(sent, (byte) 0);
      }
      return finish(null);
    }
    if (check instanceof ClientCheck.Md5) {
      byte[] sent = AuthMessages.readPassword(body);
      if (!((ClientCheck.Md5) check).matches(sent, user, md5Salt)) {
        throw AuthException.passwordFailed(user);
      }
      return finish(null);
    }
    if (!saslStarted) {
      saslStarted = true;
      AuthMessages.InitialResponse initial = AuthMessages.readInitialResponse(body);
      return AuthMessages.saslContinue(scram.first(initial.mechanism(), initial.data()));
    }
    return finish(AuthMessages.saslFinal(scram.last(AuthMessages.readResponse(body))));
  }

  private ByteBuffer finish(ByteBuffer before) {
    done = true;
    ByteBuffer ok = AuthMessages.ok();
    if (before == null) {
      return ok;
    }
    return ByteBuffer.allocate(before.remaining() + ok.remaining()).put(before).put(ok).flip();
  }

  /** Returns whether the client is authenticated: the last message returned ends with AuthenticationOk. */
  public boolean done() {
    return done;
  }

  /** Returns whether SCRAM bound to the proxy's TLS channel. */
  public boolean channelBound() {
    return scram != null && done && scram.channelBound();
  }
}
