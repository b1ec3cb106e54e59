package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Md5Test {
  /** PostgreSQL 15's rolpassword for role m, PASSWORD 's3cret-pass', password_encryption md5. */
  private static final String STORED = "md56e9fc4c271341107ccb1c741d1ebfb45";

  @Test
  void responseMatchesPostgresStoredHash() {
    byte[] salt = HexFormat.of().parseHex("01020304");
    String fromPassword = Md5.response("s3cret-pass".toCharArray(), "m", salt);
    assertThat(fromPassword).isEqualTo(Md5.responseFromStored(STORED, salt)).startsWith("md5").hasSize(35);
    assertThat(Md5.matches(fromPassword, "s3cret-pass".toCharArray(), "m", salt)).isTrue();
    assertThat(Md5.matches(fromPassword, "s3cret-pass".toCharArray(), "n", salt)).isFalse();
    assertThat(Md5.matches(fromPassword, "s3cret-pass".toCharArray(), "m", new byte[4])).isFalse();
  }
}
