package io.pgmux.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The client side of one SCRAM-SHA-256 exchange, as libpq runs it (fe-auth-scram.c): an empty user
 * name inside the exchange (the server takes the startup message's), {@code SCRAM-SHA-256-PLUS}
 * with {@code tls-server-end-point} whenever the server offers it over TLS, flag {@code y} when
 * the connection is TLS but the server offers no binding, {@code n} without TLS. The server's
 * signature is checked before the login counts as done.
 *
 * <p>Not thread-safe: one instance per login.
 */
public final class ScramClient {
  private final String clientNonce;
  /** The user name inside the exchange: empty, as libpq sends it, except in tests. */
  private final String user;
  /** tls-server-end-point data of the server's certificate, or null without TLS or binding. */
  private final byte[] bindingData;
  private final boolean tls;

  private byte[] password;
  private String mechanism;
  private String gs2Header;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  /**
   * @param password the password's SCRAM bytes ({@link SaslPrep#prepare}); taken over and wiped
   *     once the proof is computed
   * @param tls whether the connection to the server is TLS
   * @param bindingData the channel binding of that TLS session, or null if it has none
   */
  public ScramClient(byte[] password, boolean tls, byte[] bindingData) {
    this(password, tls, bindingData, Scram.nonce(), "");
  }

  ScramClient(byte[] password, boolean tls, byte[] bindingData, String clientNonce, String user) {
    this.user = user;
    this.password = password;
    this.tls = tls;
    this.bindingData = bindingData == null ? null : bindingData.clone();
    this.clientNonce = clientNonce;
  }

  /**
   * Chooses a mechanism from the server's list, or returns null when none is usable.
   *
   * @param requireBinding libpq's {@code channel_binding=require}: only {@code -PLUS} will do
   */
  public String choose(List<String> offered, boolean requireBinding) {
    if (tls && bindingData != null && offered.contains(Scram.MECHANISM_PLUS)) {
      mechanism = Scram.MECHANISM_PLUS;
    } else if (!requireBinding && offered.contains(Scram.MECHANISM)) {
      mechanism = Scram.MECHANISM;
    } else {
      return null;
    }
    return mechanism;
  }

  /** Returns the client-first-message for the chosen mechanism. */
  public String first() {
    if (mechanism == null) {
      throw new IllegalStateException("choose a mechanism first");
    }
    if (mechanism.equals(Scram.MECHANISM_PLUS)) {
      gs2Header = "p=" + Scram.CHANNEL_BINDING_TYPE + ",,";
    } else {
      gs2Header = tls && bindingData != null ? "y,," : "n,,";
    }
    clientFirstBare = "n=" + user + ",r=" + clientNonce;
    return gs2Header + clientFirstBare;
  }

  /**
   * Takes the server-first-message and returns the client-final-message with the proof.
   *
   * @throws AuthException 08P01 if the server's message is malformed or its nonce is not ours
   */
  public String last(String serverFirst) throws AuthException {
    if (clientFirstBare == null || password == null) {
      throw new IllegalStateException("SCRAM exchange out of order");
    }
    ScramServer.Reader in = new ScramServer.Reader(serverFirst);
    if (in.peek() == 'm') {
      throw AuthException.protocol("server requires an unsupported SCRAM extension");
    }
    String nonce = in.attribute('r');
    if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()
        || !Scram.printable(nonce)) {
      throw AuthException.protocol("invalid SCRAM response (nonce mismatch)");
    }
    byte[] salt = Scram.unbase64(in.attribute('s'), "salt");
    String count = in.attribute('i');
    int iterations;
    try {
      iterations = Integer.parseInt(count);
    } catch (NumberFormatException e) {
      iterations = 0;
    }
    if (iterations < 1 || salt.length == 0) {
      throw AuthException.protocol("malformed SCRAM message (invalid salt or iteration count)");
    }
    byte[] cbind = gs2Header.getBytes(StandardCharsets.UTF_8);
    if (mechanism.equals(Scram.MECHANISM_PLUS)) {
      cbind = Arrays.copyOf(cbind, cbind.length + bindingData.length);
      System.arraycopy(bindingData, 0, cbind, gs2Header.length(), bindingData.length);
    }
    String withoutProof = "c=" + Scram.base64(cbind) + ",r=" + nonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] salted = Scram.saltedPassword(password, salt, iterations);
    Arrays.fill(password, (byte) 0);
    password = null;
    byte[] clientKey = Scram.clientKey(salted);
    byte[] storedKey = Scram.sha256(clientKey);
    byte[] serverKey = Scram.serverKey(salted);
    byte[] proof = Scram.xor(clientKey, Scram.hmac(storedKey, authMessage));
    expectedServerSignature = Scram.hmac(serverKey, authMessage);
    Arrays.fill(salted, (byte) 0);
    Arrays.fill(clientKey, (byte) 0);
    Arrays.fill(serverKey, (byte) 0);
    return withoutProof + ",p=" + Scram.base64(proof);
  }

  /**
   * Checks the server-final-message: the server proves it knew the verifier too.
   *
   * @throws AuthException if the server reports an error or its signature is wrong
   */
  public void verify(String serverFinal) throws AuthException {
    if (expectedServerSignature == null) {
      throw new IllegalStateException("SCRAM exchange out of order");
    }
    ScramServer.Reader in = new ScramServer.Reader(serverFinal);
    if (in.peek() == 'e') {
      throw new AuthException("28000", "SCRAM error from the server: " + in.attribute('e'));
    }
    byte[] signature = Scram.unbase64(in.attribute('v'), "server signature");
    if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
      throw new AuthException("28000", "incorrect server signature: the server is not who it claims");
    }
  }

  /** Returns whether the chosen mechanism binds to the TLS channel. */
  public boolean channelBound() {
    return Scram.MECHANISM_PLUS.equals(mechanism);
  }

  /** Wipes the password if the exchange ended early. */
  public void dispose() {
    if (password != null) {
      Arrays.fill(password, (byte) 0);
      password = null;
    }
  }
}
