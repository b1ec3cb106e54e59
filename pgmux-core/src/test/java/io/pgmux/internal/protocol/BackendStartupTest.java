package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BackendStartupTest {

  private static byte[] message(char type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static final byte[] SASL =
      message('R', concat(new byte[] {0, 0, 0, 10}, "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0".getBytes(StandardCharsets.US_ASCII)));
  private static final byte[] SASL_STRIPPED =
      message('R', concat(new byte[] {0, 0, 0, 10}, "SCRAM-SHA-256\0\0".getBytes(StandardCharsets.US_ASCII)));
  private static final byte[] OK = message('R', new byte[] {0, 0, 0, 0});
  private static final byte[] KEY = message('K', new byte[] {0, 0, 0, 42, 9, 8, 7, 6});
  private static final byte[] READY = message('Z', new byte[] {'I'});
  private static final byte[] AFTER = message('T', new byte[] {0, 0});

  @Test
  void passesMessagesOnWholeWhateverTheSplit() throws Exception {
    byte[] stream = concat(SASL, OK, KEY, READY, AFTER);
    byte[] expected = concat(SASL_STRIPPED, OK, KEY, READY, AFTER);
    for (int split = 0; split <= stream.length; split++) {
      BackendStartup startup = new BackendStartup();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ByteBuffer piece : new ByteBuffer[] {ByteBuffer.wrap(stream, 0, split), ByteBuffer.wrap(stream, split, stream.length - split)}) {
        if (startup.ready()) {
          out.write(piece.array(), piece.position(), piece.remaining()); // relayed as is
          continue;
        }
        ByteBuffer passed = startup.accept(piece);
        if (passed != null) {
          byte[] bytes = new byte[passed.remaining()];
          passed.get(bytes);
          out.writeBytes(bytes);
        }
      }
      assertThat(out.toByteArray()).as("split at %d", split).isEqualTo(expected);
      assertThat(startup.ready()).isTrue();
      assertThat(startup.cancelKey()).containsExactly(0, 0, 0, 42, 9, 8, 7, 6);
      assertThat(startup.sawError()).isFalse();
    }
  }

  @Test
  void notesErrorsAndHoldsBackIncompleteMessages() throws Exception {
    BackendStartup startup = new BackendStartup();
    byte[] error = message('E', "SFATAL\0C28P01\0\0".getBytes(StandardCharsets.US_ASCII));
    assertThat(startup.accept(ByteBuffer.wrap(error, 0, 7))).isNull();
    assertThat(startup.betweenMessages()).isFalse();
    assertThat(startup.accept(ByteBuffer.wrap(error, 7, error.length - 7)).remaining()).isEqualTo(error.length);
    assertThat(startup.sawError()).isTrue();
    assertThat(startup.betweenMessages()).isTrue();
  }

  @Test
  void rejectsImpossibleLengths() {
    assertThatThrownBy(() -> new BackendStartup().accept(ByteBuffer.wrap("HTTP/1.1 400".getBytes(StandardCharsets.US_ASCII))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("message of invalid length");
  }
}
