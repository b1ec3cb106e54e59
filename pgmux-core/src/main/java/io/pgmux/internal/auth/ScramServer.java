package io.pgmux.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The server side of one SCRAM-SHA-256 exchange, checking a client against a {@link
 * ScramVerifier}, with the checks and messages of PostgreSQL's {@code auth-scram.c}: the user name
 * inside the exchange is ignored (the startup message named the user), authorization identities
 * and mandatory extensions are refused, and a client that could bind to the channel but believes
 * the server cannot (flag {@code y}) is refused when {@code SCRAM-SHA-256-PLUS} was on offer, since
 * only a downgrade can explain that.
 *
 * <p>Not thread-safe: one instance per login, used by one thread at a time.
 */
public final class ScramServer {
  private enum Step {
    FIRST,
    FINAL,
    DONE
  }

  private final ScramVerifier verifier;
  private final String user;
  /** tls-server-end-point data of the proxy's certificate, or null without TLS or binding. */
  private final byte[] bindingData;
  private final String serverNonce;

  private Step step = Step.FIRST;
  private boolean bindingInUse;
  private String gs2Header;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;

  /**
   * @param user the user named in the startup message, for the error on a wrong password
   * @param bindingData the channel binding of the TLS session the client is in, or null when the
   *     client is not on TLS or the certificate allows no binding; {@code SCRAM-SHA-256-PLUS} is
   *     offered exactly when it is present
   */
  public ScramServer(ScramVerifier verifier, String user, byte[] bindingData) {
    this(verifier, user, bindingData, Scram.nonce());
  }

  ScramServer(ScramVerifier verifier, String user, byte[] bindingData, String serverNonce) {
    this.verifier = verifier;
    this.user = user;
    this.bindingData = bindingData == null ? null : bindingData.clone();
    this.serverNonce = serverNonce;
  }

  /** Returns the mechanisms to offer in AuthenticationSASL, in PostgreSQL's order. */
  public List<String> mechanisms() {
    return bindingData != null
        ? List.of(Scram.MECHANISM_PLUS, Scram.MECHANISM)
        : List.of(Scram.MECHANISM);
  }

  /**
   * Takes the SASLInitialResponse and returns the server-first-message.
   *
   * @throws AuthException 08P01 if the mechanism was not offered or the message is malformed or
   *     shows a downgrade; 0A000 for an unsupported feature
   */
  public String first(String mechanism, String clientFirst) throws AuthException {
    if (step != Step.FIRST) {
      throw new IllegalStateException("SCRAM exchange is at " + step);
    }
    if (!mechanisms().contains(mechanism)) {
      throw AuthException.protocol("client selected an invalid SASL authentication mechanism");
    }
    bindingInUse = mechanism.equals(Scram.MECHANISM_PLUS);
    Reader in = new Reader(clientFirst);
    char flag = in.next();
    switch (flag) {
      case 'n':
      case 'y':
        if (flag == 'y' && bindingData != null) {
          throw AuthException.protocol(
              "SCRAM channel binding negotiation error: the client supports SCRAM channel binding"
                  + " but thinks the server does not; however, this server does support channel"
                  + " binding");
        }
        if (bindingInUse) {
          throw malformed(
              "the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include"
                  + " channel binding data");
        }
        in.expect(',');
        break;
      case 'p':
        if (!bindingInUse) {
          throw malformed(
              "the client selected SCRAM-SHA-256 without channel binding, but the SCRAM message"
                  + " includes channel binding data");
        }
        in.expect('=');
        String type = in.value();
        if (!type.equals(Scram.CHANNEL_BINDING_TYPE)) {
          throw AuthException.protocol("unsupported SCRAM channel-binding type \"" + type + "\"");
        }
        break;
      default:
        throw malformed("unexpected channel-binding flag \"" + printable(flag) + "\"");
    }
    if (in.peek() == 'a') {
      throw new AuthException(
          "0A000", "client uses authorization identity, but it is not supported");
    }
    in.expect(',');
    gs2Header = clientFirst.substring(0, in.position());
    clientFirstBare = clientFirst.substring(in.position());
    if (in.peek() == 'm') {
      throw new AuthException("0A000", "client requires an unsupported SCRAM extension");
    }
    in.attribute('n'); // the startup message's user counts, as in PostgreSQL
    String clientNonce = in.attribute('r');
    if (!Scram.printable(clientNonce)) {
      throw malformed("non-printable characters in SCRAM nonce");
    }
    nonce = clientNonce + serverNonce;
    serverFirst =
        "r=" + nonce + ",s=" + Scram.base64(verifier.salt()) + ",i=" + verifier.iterations();
    step = Step.FINAL;
    return serverFirst;
  }

  /**
   * Takes the client-final-message and returns the server-final-message once the proof holds.
   *
   * @throws AuthException 28P01 for a wrong password, 08P01 for a malformed message or a failed
   *     channel binding check
   */
  public String last(String clientFinal) throws AuthException {
    if (step != Step.FINAL) {
      throw new IllegalStateException("SCRAM exchange is at " + step);
    }
    step = Step.DONE;
    Reader in = new Reader(clientFinal);
    byte[] binding = Scram.unbase64(in.attribute('c'), "channel binding");
    byte[] expected = gs2Header.getBytes(StandardCharsets.UTF_8);
    if (bindingInUse) {
      expected = concat(expected, bindingData);
      if (!MessageDigest.isEqual(binding, expected)) {
        throw AuthException.protocol("SCRAM channel binding check failed");
      }
    } else if (!Arrays.equals(binding, "n,,".getBytes(StandardCharsets.US_ASCII))
        && !Arrays.equals(binding, "y,,".getBytes(StandardCharsets.US_ASCII))) {
      throw malformed("unexpected SCRAM channel-binding attribute in client-final-message");
    }
    if (!in.attribute('r').equals(nonce)) {
      throw malformed("SCRAM nonce mismatch");
    }
    int proofAt;
    while (true) {
      proofAt = in.position();
      if (in.peek() == 'p') {
        break;
      }
      in.anyAttribute(); // extensions are ignored
    }
    byte[] proof = Scram.unbase64(in.attribute('p'), "proof");
    if (proof.length != 32 || in.hasMore()) {
      throw malformed("malformed proof in client-final-message");
    }
    String withoutProof = clientFinal.substring(0, proofAt - 1);
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] storedKey = verifier.storedKey();
    byte[] signature = Scram.hmac(storedKey, authMessage);
    byte[] clientKey = Scram.xor(proof, signature);
    boolean ok = MessageDigest.isEqual(Scram.sha256(clientKey), storedKey);
    Arrays.fill(clientKey, (byte) 0);
    if (!ok) {
      throw AuthException.passwordFailed(user);
    }
    return "v=" + Scram.base64(Scram.hmac(verifier.serverKey(), authMessage));
  }

  /** Returns whether the exchange used channel binding; meaningful once {@link #last} passed. */
  public boolean channelBound() {
    return bindingInUse;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String printable(char c) {
    return c >= 0x21 && c <= 0x7e ? String.valueOf(c) : String.format("0x%02x", (int) c);
  }

  static AuthException malformed(String detail) {
    return AuthException.protocol("malformed SCRAM message: " + detail);
  }

  /** Reads {@code x=value} attributes separated by commas, in order. */
  static final class Reader {
    private final String text;
    private int at;

    Reader(String text) {
      this.text = text;
    }

    int position() {
      return at;
    }

    boolean hasMore() {
      return at < text.length();
    }

    char peek() {
      return at < text.length() ? text.charAt(at) : '\0';
    }

    char next() throws AuthException {
      if (at >= text.length()) {
        throw malformed("unexpected end of message");
      }
      return text.charAt(at++);
    }

    void expect(char c) throws AuthException {
      char got = next();
      if (got != c) {
        throw malformed("expected \"" + c + "\" at position " + (at - 1));
      }
    }

    /** Reads up to the next comma (consumed) or the end. */
    String value() {
      int comma = text.indexOf(',', at);
      int end = comma < 0 ? text.length() : comma;
      String value = text.substring(at, end);
      at = comma < 0 ? end : end + 1;
      return value;
    }

    /** Reads {@code name=value}. */
    String attribute(char name) throws AuthException {
      char got = next();
      if (got != name) {
        throw malformed("expected attribute \"" + name + "\" but found \"" + printable(got) + "\"");
      }
      expect('=');
      return value();
    }

    void anyAttribute() throws AuthException {
      char name = next();
      if (!Character.isLetter(name)) {
        throw malformed("attribute expected, but found invalid character \"" + printable(name) + "\"");
      }
      expect('=');
      value();
    }
  }
}
