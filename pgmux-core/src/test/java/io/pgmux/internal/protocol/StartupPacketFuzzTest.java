package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.StartupMutator;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The decoder answers any input with a packet or a ProtocolException, nothing else. */
class StartupPacketFuzzTest {
  private static final long SEED = 0x9e3779b97f4a7c15L;
  private static final int INPUTS = 200_000;

  @Test
  void decodesOrRejectsEveryMutatedPacket() {
    StartupMutator mutator = new StartupMutator(SEED);
    int decoded = 0;
    int rejected = 0;
    for (int i = 0; i < INPUTS; i++) {
      byte[] input = mutator.next();
      if (input.length < 4) {
        continue;
      }
      // The session hands the decoder the bytes after the length word, bounded by it.
      ByteBuffer body = ByteBuffer.wrap(input, 4, input.length - 4).slice();
      try {
        StartupPacket.decode(body);
        decoded++;
      } catch (ProtocolException e) {
        assertThat(e.getMessage()).isNotBlank();
        rejected++;
      } catch (RuntimeException e) {
        throw new AssertionError("input " + i + " of seed " + SEED + " broke the decoder", e);
      }
    }
    assertThat(decoded).isPositive();
    assertThat(rejected).isPositive();
  }
}
