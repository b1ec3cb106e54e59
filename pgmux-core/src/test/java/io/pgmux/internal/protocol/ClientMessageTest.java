package io.pgmux.internal.protocol;

import static io.pgmux.test.Frames.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.internal.protocol.ClientMessage.Bind;
import io.pgmux.internal.protocol.ClientMessage.Close;
import io.pgmux.internal.protocol.ClientMessage.Describe;
import io.pgmux.internal.protocol.ClientMessage.Execute;
import io.pgmux.internal.protocol.ClientMessage.FunctionCall;
import io.pgmux.internal.protocol.ClientMessage.Parse;
import io.pgmux.internal.protocol.ClientMessage.Query;
import io.pgmux.test.Frames;
import io.pgmux.test.Frames.Body;
import io.pgmux.internal.tap.TapMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClientMessageTest {

  private static ClientMessage decode(TapMessage m) throws ProtocolException {
    return ClientMessage.decode(m.type(), m.body(), m.whole(), true);
  }

  @Test
  void decodesQueryParseExecuteAndTheBodyStaysWhereItWas() throws Exception {
    TapMessage q = Frames.query("SELECT 1");
    assertThat(decode(q)).isEqualTo(new Query("SELECT 1"));
    assertThat(q.body().position()).isZero();
    assertThat(decode(Frames.parse("S_1", "insert into t values ($1)", 23)))
        .isEqualTo(new Parse("S_1", "insert into t values ($1)"));
    assertThat(decode(Frames.execute("C_2", 50))).isEqualTo(new Execute("C_2", 50));
    assertThat(decode(Frames.describe('P', ""))).isEqualTo(new Describe('P', ""));
    assertThat(decode(Frames.close('S', "S_1"))).isEqualTo(new Close('S', "S_1"));
    assertThat(decode(Frames.sync())).isSameAs(ClientMessage.SYNC_MESSAGE);
    assertThat(decode(Frames.functionCall(764))).isEqualTo(new FunctionCall(764));
    assertThat(decode(Frames.copyData("1\tx\n"))).isEqualTo(new ClientMessage.CopyData(4));
    assertThat(decode(Frames.terminate())).isSameAs(ClientMessage.TERMINATE_MESSAGE);
  }

  @Test
  void decodesBindParametersOnlyWhenAsked() throws Exception {
    TapMessage bind = Frames.bind("", "S_3", "42", null, "zoë");
    assertThat(decode(bind)).isEqualTo(new Bind("", "S_3", Arrays.asList("42", null, "zoë")));
    assertThat(ClientMessage.decode(bind.type(), bind.body(), true, false))
        .isEqualTo(new Bind("", "S_3", null));
  }

  @Test
  void showsBinaryParametersAsHex() throws Exception {
    byte[] body =
        new Body().cstring("").cstring("").int16(1).int16(1).int16(1).int32(4).int32(7).int16(0).bytes();
    assertThat(decode(message('B', body))).isEqualTo(new Bind("", "", Arrays.asList("\\x00000007")));
  }

  @Test
  void rejectsParameterLengthsBeyondTheBody() {
    byte[] body = new Body().cstring("").cstring("").int16(0).int16(1).int32(1000).raw(new byte[3]).bytes();
    assertThatThrownBy(() -> decode(message('B', body)))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid Bind message: message is too short");
    byte[] negative = new Body().cstring("").cstring("").int16(0).int16(1).int32(-7).bytes();
    assertThatThrownBy(() -> decode(message('B', negative))).isInstanceOf(ProtocolException.class);
  }

  @Test
  void rejectsMissingTerminatorsAndShortBodies() {
    assertThatThrownBy(() -> decode(message('Q', "SELECT".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("Query message");
    assertThatThrownBy(() -> decode(message('E', new Body().cstring("").int16(0).bytes())))
        .hasMessage("invalid Execute message: message is too short");
    assertThatThrownBy(() -> decode(message('D', new Body().int8('X').cstring("").bytes())))
        .hasMessageContaining("kind X");
  }

  @Test
  void keepsTheStartOfATextCutAtTheBodyLimit() throws Exception {
    ByteBuffer start = ByteBuffer.wrap("INSERT INTO big VALUES ('xxx".getBytes(StandardCharsets.UTF_8));
    assertThat(ClientMessage.decode((byte) 'Q', start, false, false))
        .isEqualTo(new Query("INSERT INTO big VALUES ('xxx"));
  }

  @Test
  void leavesOtherTypesOpaque() throws Exception {
    assertThat(decode(message('p', new byte[] {1, 0}))).isNull();
  }

  @Test
  void encodesWhatItDecodes() throws Exception {
    ByteBuffer all =
        ClientMessages.concat(
            ClientMessages.parse("", "DO $x$ BEGIN END $x$"),
            ClientMessages.bind("", ""),
            ClientMessages.execute(""),
            ClientMessages.query("SELECT 2"));
    var messages = Frames.split(all);
    assertThat(messages).hasSize(4);
    assertThat(decode(messages.get(0))).isEqualTo(new Parse("", "DO $x$ BEGIN END $x$"));
    assertThat(decode(messages.get(1))).isEqualTo(new Bind("", "", java.util.List.of()));
    assertThat(decode(messages.get(2))).isEqualTo(new Execute("", 0));
    assertThat(decode(messages.get(3))).isEqualTo(new Query("SELECT 2"));
  }
}
