package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.ClientAuth;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The proxy's two authenticating roles talk to each other: {@link ClientAuthenticator} plays the
 * server, {@link BackendAuthenticator} the client, over the real message encodings.
 */
class AuthenticatorsTest {
  private static final byte[] BINDING = Scram.random(32);

  /** Runs the exchange; returns the messages the server sent, or throws what failed. */
  private static List<ByteBuffer> login(
      ClientAuth auth, String user, char[] password, byte[] serverBinding, byte[] clientBinding,
      boolean requireBinding)
      throws AuthException {
    List<char[]> handedOut = new ArrayList<>();
    Supplier<char[]> supplier =
        () -> {
          char[] copy = password.clone();
          handedOut.add(copy);
          return copy;
        };
    ClientAuthenticator server = new ClientAuthenticator(ClientCheck.of(auth), user, serverBinding);
    BackendAuthenticator client =
        new BackendAuthenticator(user, supplier, clientBinding != null, clientBinding, requireBinding);
    List<ByteBuffer> sent = new ArrayList<>();
    ByteBuffer fromServer = server.start();
    for (int i = 0; i < 10; i++) {
      sent.add(fromServer.duplicate());
      ByteBuffer reply = null;
      while (fromServer.hasRemaining()) { // may hold SASLFinal and AuthenticationOk
        assertThat(fromServer.get()).isEqualTo((byte) 'R');
        int length = fromServer.getInt();
        ByteBuffer body = fromServer.slice(fromServer.position(), length - 4);
        fromServer.position(fromServer.position() + length - 4);
        ByteBuffer r = client.accept(body);
        if (r != null) {
          reply = r;
        }
      }
      if (client.authenticated()) {
        assertThat(server.done()).isTrue();
        for (char[] c : handedOut) {
          assertThat(new String(c).chars().allMatch(ch -> ch == 0)).isTrue(); // every copy wiped
        }
        return sent;
      }
      byte type = reply.get();
      int length = reply.getInt();
      assertThat(length).isEqualTo(reply.remaining() + 4);
      fromServer = server.accept(type, reply.slice());
    }
    throw new AssertionError("no end");
  }

  @Test
  void everyMethodLogsIn() throws AuthException {
    char[] pw = "s3cret-pass".toCharArray();
    assertThat(login(ClientAuth.trust(), "u", pw, null, null, false)).hasSize(1);
    assertThat(login(ClientAuth.password(pw), "u", pw, null, null, false)).hasSize(2);
    assertThat(login(ClientAuth.md5(pw), "u", pw, null, null, false)).hasSize(2);
    assertThat(login(ClientAuth.scram(pw), "u", pw, null, null, false)).hasSize(3);
    assertThat(
            login(ClientAuth.scramVerifier(ScramVerifierTest.ASCII), "u", pw, BINDING, BINDING, true))
        .hasSize(3);
  }

  @Test
  void wrongPasswordIs28P01ForEveryMethod() {
    char[] right = "s3cret-pass".toCharArray();
    char[] wrong = "not-it".toCharArray();
    for (ClientAuth auth :
        List.of(ClientAuth.password(right), ClientAuth.md5(right), ClientAuth.scram(right))) {
      assertThatThrownBy(() -> login(auth, "alice", wrong, null, null, false))
          .as(auth.toString())
          .hasMessage("password authentication failed for user \"alice\"")
          .extracting(e -> ((AuthException) e).sqlState())
          .isEqualTo("28P01");
    }
  }

  @Test
  void md5IsSaltedWithTheUserName() {
    char[] pw = "s3cret-pass".toCharArray();
    ClientAuthenticator server = new ClientAuthenticator(ClientCheck.of(ClientAuth.md5(pw)), "alice", null);
    ByteBuffer challenge = server.start();
    byte[] salt = new byte[4];
    challenge.get(9, salt);
    byte[] answer = Md5.response(pw, "bob", salt).getBytes();
    ByteBuffer body = ByteBuffer.allocate(answer.length + 1).put(answer).put((byte) 0).flip();
    assertThatThrownBy(() -> server.accept((byte) 'p', body)).hasMessageContaining("\"alice\"");
  }

  @Test
  void requiredBindingRefusesMethodsWithoutIt() {
    char[] pw = "x".toCharArray();
    assertThatThrownBy(() -> login(ClientAuth.md5(pw), "u", pw, null, BINDING, true))
        .hasMessage("channel binding is required, but the backend asks for an MD5 password");
    assertThatThrownBy(() -> login(ClientAuth.trust(), "u", pw, null, BINDING, true))
        .hasMessage("the backend authenticated the proxy without channel binding");
    assertThatThrownBy(() -> login(ClientAuth.scram(pw), "u", pw, null, BINDING, true))
        .hasMessage("channel binding is required, but the backend offers [SCRAM-SHA-256]");
  }

  @Test
  void tlsClientWithoutPlusOfferSendsFlagYAndPasses() throws AuthException {
    char[] pw = "x".toCharArray();
    assertThat(login(ClientAuth.scram(pw), "u", pw, null, BINDING, false)).hasSize(3);
  }

  @Test
  void missingBackendPasswordIsAClearError() {
    BackendAuthenticator client = new BackendAuthenticator("u", null, false, null, false);
    ByteBuffer body = ByteBuffer.allocate(4).putInt(AuthMessages.CLEARTEXT).flip();
    assertThatThrownBy(() -> client.accept(body))
        .hasMessage("the backend asks for a cleartext password and the route has no backend password");
  }

  @Test
  void wrongMessageTypeIsAProtocolViolation() {
    ClientAuthenticator server =
        new ClientAuthenticator(ClientCheck.of(ClientAuth.password("x".toCharArray())), "u", null);
    server.start();
    assertThatThrownBy(() -> server.accept((byte) 'Q', ByteBuffer.allocate(0)))
        .hasMessage("expected password response, got message type 81");
  }

  @Test
  void negotiationAnswersNewerMinorAndOptionsOnly() {
    assertThat(CancelKeys.negotiation(2, java.util.Map.of("user", "u"))).isNull();
    ByteBuffer npv = CancelKeys.negotiation(3, java.util.Map.of("user", "u", "_pq_.x", "1"));
    assertThat(npv.get()).isEqualTo((byte) 'v');
    assertThat(npv.getInt()).isEqualTo(npv.remaining() + 4);
    assertThat(npv.getInt()).isEqualTo(0x30002);
    assertThat(npv.getInt()).isEqualTo(1);
  }

  @Test
  void proxyKeysKeepTheProcessIdAndSizeTheSecretByProtocol() {
    byte[] backend = ByteBuffer.allocate(8).putInt(4242).putInt(7).array();
    byte[] v30 = CancelKeys.forClient(0).issue(backend);
    byte[] v32 = CancelKeys.forClient(2).issue(backend);
    assertThat(v30).hasSize(8);
    assertThat(v32).hasSize(36);
    assertThat(ByteBuffer.wrap(v32).getInt()).isEqualTo(4242);
    assertThat(Arrays.copyOfRange(v30, 4, 8)).isNotEqualTo(Arrays.copyOfRange(backend, 4, 8));
  }
}
