package io.pgmux.test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded generator of hostile startup packets: valid packets of every kind, mutated the ways
 * parsers break (lengths at their edges, truncation, flipped bytes, missing terminators, random
 * tails). The same seed gives the same inputs, so a failure can be replayed.
 */
public final class StartupMutator {
  private static final List<byte[]> SEEDS =
      List.of(
          RawClient.startupMessage(0, "user", "alice", "database", "app"),
          RawClient.startupMessage(2, "user", "bob", "options", "-c x=1", "application_name", "t"),
          new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}, // SSLRequest
          new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30}, // GSSENCRequest
          new byte[] {0, 0, 0, 16, 0x04, (byte) 0xd2, 0x16, 0x2e, 0, 0, 0, 7, 1, 2, 3, 4}); // cancel

  private static final int[] EDGE_LENGTHS = {
    0, 1, 3, 4, 7, 8, 9, 16, 255, 256, 9_999, 10_000, 10_001, 65_535, Integer.MAX_VALUE, -1, Integer.MIN_VALUE
  };

  private final SplittableRandom random;

  public StartupMutator(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public byte[] next() {
    if (random.nextInt(20) == 0) {
      byte[] noise = new byte[random.nextInt(64)];
      random.nextBytes(noise);
      return noise;
    }
    byte[] packet = SEEDS.get(random.nextInt(SEEDS.size())).clone();
    int mutations = 1 + random.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      packet = mutate(packet);
    }
    return packet;
  }

  private byte[] mutate(byte[] packet) {
    switch (random.nextInt(7)) {
      case 0: // length word at an edge
        if (packet.length >= 4) {
          ByteBuffer.wrap(packet).putInt(0, EDGE_LENGTHS[random.nextInt(EDGE_LENGTHS.length)]);
        }
        return packet;
      case 1: // truncate
        return Arrays.copyOf(packet, random.nextInt(packet.length + 1));
      case 2: // flip a byte
        if (packet.length > 0) {
          packet[random.nextInt(packet.length)] ^= (byte) (1 + random.nextInt(255));
        }
        return packet;
      case 3: // drop the terminators
        return Arrays.copyOf(packet, Math.max(0, packet.length - 1 - random.nextInt(2)));
      case 4: // random tail, length word adjusted so the tail counts
        byte[] tail = new byte[random.nextInt(200)];
        random.nextBytes(tail);
        byte[] longer = Arrays.copyOf(packet, packet.length + tail.length);
        System.arraycopy(tail, 0, longer, packet.length, tail.length);
        if (longer.length >= 4) {
          ByteBuffer.wrap(longer).putInt(0, longer.length);
        }
        return longer;
      case 5: // invalid UTF-8 in a name
        if (packet.length > 9) {
          packet[8 + random.nextInt(packet.length - 8)] = (byte) 0xc3;
        }
        return packet;
      default: // protocol code at random
        if (packet.length >= 8) {
          ByteBuffer.wrap(packet).putInt(4, random.nextInt());
        }
        return packet;
    }
  }
}
