package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SaslPrepTest {
  private static String prep(String s) {
    return new String(SaslPrep.prepare(s.toCharArray()), StandardCharsets.UTF_8);
  }

  @Test
  void asciiIsTakenAsItIs() {
    assertThat(prep("pencil")).isEqualTo("pencil");
    assertThat(prep("tab\there")).isEqualTo("tab\there"); // PostgreSQL skips every step for ASCII
  }

  @Test
  void rfc4013Examples() {
    assertThat(prep("I\u00adX")).isEqualTo("IX");
    assertThat(prep("\u00aa")).isEqualTo("a");
    assertThat(prep("\u2168")).isEqualTo("IX");
    assertThat(prep("a\u00a0b")).isEqualTo("a b");
  }

  @Test
  void prohibitedOrBidiViolationFallsBackToRawBytes() {
    assertThat(prep("\u00e4\u0007x")).isEqualTo("\u00e4\u0007x");
    assertThat(prep("\u0627" + "1")).isEqualTo("\u0627" + "1"); // RandALCat must end the string
    assertThat(prep("\ue000\u00e4")).isEqualTo("\ue000\u00e4"); // private use
  }
}
