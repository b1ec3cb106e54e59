package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256 on both sides, against RFC 7677's example and each other. */
class ScramTest {
  // RFC 7677, section 3.
  private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  private static final String CLIENT_FIRST = "n,,n=user,r=" + CLIENT_NONCE;
  private static final String SERVER_FIRST =
      "r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  private static final String CLIENT_FINAL =
      "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  private static ScramVerifier pencil() {
    return ScramVerifier.derive(
        "pencil".toCharArray(), Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  }

  @Test
  void clientProducesRfc7677Messages() throws AuthException {
    byte[] password = "pencil".getBytes(StandardCharsets.UTF_8);
    ScramClient client = new ScramClient(password, false, null, CLIENT_NONCE, "user");
    assertThat(client.choose(List.of("SCRAM-SHA-256"), false)).isEqualTo("SCRAM-SHA-256");
    assertThat(client.first()).isEqualTo(CLIENT_FIRST);
    assertThat(client.last(SERVER_FIRST)).isEqualTo(CLIENT_FINAL);
    assertThat(password).containsOnly(0); // wiped once the proof is made
    client.verify(SERVER_FINAL);
  }

  @Test
  void serverAcceptsRfc7677Client() throws AuthException {
    ScramServer server = new ScramServer(pencil(), "user", null, SERVER_NONCE);
    assertThat(server.mechanisms()).containsExactly("SCRAM-SHA-256");
    assertThat(server.first("SCRAM-SHA-256", CLIENT_FIRST)).isEqualTo(SERVER_FIRST);
    assertThat(server.last(CLIENT_FINAL)).isEqualTo(SERVER_FINAL);
  }

  @Test
  void serverRefusesWrongProofWithPostgresMessage() throws AuthException {
    ScramServer server = new ScramServer(pencil(), "alice", null, SERVER_NONCE);
    server.first("SCRAM-SHA-256", CLIENT_FIRST);
    String wrong = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
    assertThatThrownBy(() -> server.last(wrong))
        .isInstanceOf(AuthException.class)
        .hasMessage("password authentication failed for user \"alice\"")
        .extracting(e -> ((AuthException) e).sqlState())
        .isEqualTo("28P01");
  }

  @Test
  void clientRefusesWrongServerSignature() throws AuthException {
    ScramClient client =
        new ScramClient("pencil".getBytes(StandardCharsets.UTF_8), false, null, CLIENT_NONCE, "user");
    client.choose(List.of("SCRAM-SHA-256"), false);
    client.first();
    client.last(SERVER_FIRST);
    assertThatThrownBy(() -> client.verify("v=" + Base64.getEncoder().encodeToString(new byte[32])))
        .hasMessageContaining("incorrect server signature");
  }

  @Test
  void clientRefusesNonceThatIsNotItsOwn() {
    ScramClient client = new ScramClient(new byte[] {'x'}, false, null, CLIENT_NONCE, "");
    client.choose(List.of("SCRAM-SHA-256"), false);
    client.first();
    assertThatThrownBy(() -> client.last("r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        .hasMessageContaining("nonce mismatch");
  }

  @Test
  void channelBindingRoundTrip() throws AuthException {
    byte[] binding = Scram.random(32);
    ScramServer server = new ScramServer(pencil(), "u", binding);
    assertThat(server.mechanisms()).containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256");
    ScramClient client = new ScramClient("pencil".getBytes(StandardCharsets.UTF_8), true, binding);
    String mechanism = client.choose(server.mechanisms(), true);
    assertThat(mechanism).isEqualTo("SCRAM-SHA-256-PLUS");
    String first = client.first();
    assertThat(first).startsWith("p=tls-server-end-point,,n=,r=");
    client.verify(server.last(client.last(server.first(mechanism, first))));
    assertThat(server.channelBound()).isTrue();
    assertThat(client.channelBound()).isTrue();
  }

  @Test
  void channelBindingToAnotherCertificateFails() throws AuthException {
    ScramServer server = new ScramServer(pencil(), "u", Scram.random(32));
    ScramClient client =
        new ScramClient("pencil".getBytes(StandardCharsets.UTF_8), true, Scram.random(32));
    String mechanism = client.choose(server.mechanisms(), false);
    String clientFinal = client.last(server.first(mechanism, client.first()));
    assertThatThrownBy(() -> server.last(clientFinal))
        .hasMessage("SCRAM channel binding check failed")
        .extracting(e -> ((AuthException) e).sqlState())
        .isEqualTo("08P01");
  }

  @Test
  void serverRefusesDowngradeWhenItOfferedBinding() {
    ScramServer server = new ScramServer(pencil(), "u", Scram.random(32));
    assertThatThrownBy(() -> server.first("SCRAM-SHA-256", "y,,n=,r=abc"))
        .hasMessageStartingWith("SCRAM channel binding negotiation error");
  }

  @Test
  void serverAcceptsFlagYWhenItOffersNoBinding() throws AuthException {
    ScramServer server = new ScramServer(pencil(), "u", null);
    ScramClient client = new ScramClient("pencil".getBytes(StandardCharsets.UTF_8), true, new byte[32]);
    String mechanism = client.choose(server.mechanisms(), false);
    assertThat(mechanism).isEqualTo("SCRAM-SHA-256");
    String first = client.first();
    assertThat(first).startsWith("y,,");
    client.verify(server.last(client.last(server.first(mechanism, first))));
    assertThat(server.channelBound()).isFalse();
  }

  @Test
  void clientWithRequiredBindingRefusesServerWithout() {
    ScramClient client = new ScramClient(new byte[] {'x'}, false, null);
    assertThat(client.choose(List.of("SCRAM-SHA-256"), true)).isNull();
    ScramClient tls = new ScramClient(new byte[] {'x'}, true, new byte[32]);
    assertThat(tls.choose(List.of("SCRAM-SHA-256"), true)).isNull();
  }

  @Test
  void serverRefusesPlusWithoutTlsAndMalformedMessages() {
    ScramServer server = new ScramServer(pencil(), "u", null);
    assertThatThrownBy(() -> server.first("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=x"))
        .hasMessage("client selected an invalid SASL authentication mechanism");
    assertThatThrownBy(() -> new ScramServer(pencil(), "u", null).first("SCRAM-SHA-256", "n,a=bob,n=,r=x"))
        .hasMessageContaining("authorization identity");
    assertThatThrownBy(() -> new ScramServer(pencil(), "u", null).first("SCRAM-SHA-256", "x,,n=,r=x"))
        .hasMessageStartingWith("malformed SCRAM message");
    assertThatThrownBy(() -> new ScramServer(pencil(), "u", null).first("SCRAM-SHA-256", "n,,n=,r=a b"))
        .hasMessageContaining("non-printable");
  }

  @Test
  void serverRefusesNonceMismatchInFinalMessage() throws AuthException {
    ScramServer server = new ScramServer(pencil(), "user", null, SERVER_NONCE);
    server.first("SCRAM-SHA-256", CLIENT_FIRST);
    assertThatThrownBy(() -> server.last(CLIENT_FINAL.replace(SERVER_NONCE, "other")))
        .hasMessageContaining("nonce mismatch");
  }
}
