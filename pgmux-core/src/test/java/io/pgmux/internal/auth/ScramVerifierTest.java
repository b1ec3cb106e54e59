package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Verifiers as PostgreSQL 15 stores them ({@code SELECT rolpassword FROM pg_authid} after {@code
 * CREATE ROLE ... PASSWORD} with {@code password_encryption = 'scram-sha-256'}).
 */
class ScramVerifierTest {
  /** PASSWORD 's3cret-pass'. */
  static final String ASCII =
      "SCRAM-SHA-256$4096:akg9qxI7B+yFGW5WUKnkbA==$5pW+BZWLVgLMDEEv4+selcTJuK+AqZDQCheetEak7Yg=:xtrTeR15WgGkvOlk1/CMIFVhO7s7G+zlPAA7aEztiPI=";
  /** PASSWORD E'p\u00e4ss' (precomposed). */
  static final String PRECOMPOSED =
      "SCRAM-SHA-256$4096:3o4fIgERrvMChmVbObzd9w==$MEeNFrFjpG3wWqMzKR7Q2UcM27KiyFhzKaKH1fQ84e4=:dSXvlUYk9RenUBODYnM2Ygq8PZ4+kpYWQKH726j3PiU=";
  /** PASSWORD E'pa\u0308ss' (decomposed: NFKC composes it). */
  static final String DECOMPOSED =
      "SCRAM-SHA-256$4096:2303Dhf40JehK43E+y4Iaw==$NGDJderMZOeD2PnUuKPmT9qE9ezyLRbSPSVSK7cpBvg=:tECoRLlXVgfY4D8rwz6PtNr8sMGZ08aMuZEP2ck2WS4=";
  /** PASSWORD E'\u00e4\u0007x' (a control character: SASLprep refuses, the raw bytes count). */
  static final String PROHIBITED =
      "SCRAM-SHA-256$4096:CeCJrOkawBtEJVx/cO/h/g==$K1XIcRO7UDzGQMCrSc8ZhklBkwh/qqW0cjIV+AYHGag=:ZthPg6JByX+zxIzpXLO5+epCbJbpQkR0ImXDqh+kmkI=";
  /** PASSWORD E'I\u00adX' (a soft hyphen: mapped to nothing). */
  static final String SOFT_HYPHEN =
      "SCRAM-SHA-256$4096:gJeRIfr1qyd2WMK2dE66Gw==$rqgp5+YSVkFUciVBu49guo8kdU5aCFA4Tj08iaDuebY=:PVurMlYM87qJsbjJLApkeGQcySvznByk0AcT9JFtYYY=";

  @Test
  void parsesPostgresTextAndChecksPassword() {
    ScramVerifier v = ScramVerifier.parse(ASCII);
    assertThat(v.iterations()).isEqualTo(4096);
    assertThat(v.salt()).hasSize(16);
    assertThat(v.toText()).isEqualTo(ASCII);
    assertThat(v.matches("s3cret-pass".toCharArray())).isTrue();
    assertThat(v.matches("s3cret-pasS".toCharArray())).isFalse();
  }

  @Test
  void preparesNonAsciiPasswordsAsPostgresDoes() {
    assertThat(ScramVerifier.parse(PRECOMPOSED).matches("p\u00e4ss".toCharArray())).isTrue();
    assertThat(ScramVerifier.parse(DECOMPOSED).matches("pa\u0308ss".toCharArray())).isTrue();
    // NFKC makes the two spellings one password, as in PostgreSQL.
    assertThat(ScramVerifier.parse(DECOMPOSED).matches("p\u00e4ss".toCharArray())).isTrue();
    assertThat(ScramVerifier.parse(PROHIBITED).matches("\u00e4\u0007x".toCharArray())).isTrue();
    assertThat(ScramVerifier.parse(SOFT_HYPHEN).matches("IX".toCharArray())).isTrue();
  }

  @Test
  void derivedVerifierLogsInWithClient() throws AuthException {
    ScramVerifier derived = ScramVerifier.derive("s3cret-pass".toCharArray());
    assertThat(derived.salt()).hasSize(16);
    assertThat(derived.iterations()).isEqualTo(4096);
    ScramServer server = new ScramServer(derived, "u", null);
    ScramClient client =
        new ScramClient(SaslPrep.prepare("s3cret-pass".toCharArray()), false, null);
    String m = client.choose(server.mechanisms(), false);
    client.verify(server.last(client.last(server.first(m, client.first()))));
  }

  @Test
  void postgresVerifierLogsInWithClient() throws AuthException {
    ScramServer server = new ScramServer(ScramVerifier.parse(ASCII), "u", null);
    ScramClient client = new ScramClient("s3cret-pass".getBytes(StandardCharsets.UTF_8), false, null);
    String m = client.choose(server.mechanisms(), false);
    client.verify(server.last(client.last(server.first(m, client.first()))));
  }

  @Test
  void textNeverShowsKeys() {
    ScramVerifier v = ScramVerifier.parse(ASCII);
    assertThat(v.toString()).doesNotContain("5pW+").doesNotContain("xtrT").contains("4096");
    assertThatThrownBy(() -> ScramVerifier.parse("md56e9fc4c271341107ccb1c741d1ebfb45"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("6e9fc4");
    assertThatThrownBy(() -> ScramVerifier.parse("SCRAM-SHA-256$0:akg9qxI7B+yFGW5WUKnkbA==$5pW+BZWLVgLMDEEv4+selcTJuK+AqZDQCheetEak7Yg=:xtrTeR15WgGkvOlk1/CMIFVhO7s7G+zlPAA7aEztiPI="))
        .hasMessageContaining("iteration count 0");
  }
}
