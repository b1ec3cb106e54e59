package io.pgmux.internal.protocol;

import static io.pgmux.test.Frames.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.internal.protocol.ClientMessage.Bind;
import io.pgmux.internal.protocol.ClientMessage.Close;
import io.pgmux.internal.protocol.ClientMessage.Describe;
import io.pgmux.internal.protocol.ClientMessage.Execute;
import io.pgmux.internal.protocol.ClientMessage.FunctionCall;
import io.pgmux.internal.protocol.ClientMessage.Parameter;
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
        .isEqualTo(new Parse("S_1", "insert into t values ($1)", java.util.List.of(23)));
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
    assertThat(decode(bind))
        .isEqualTo(new Bind("", "S_3", Arrays.asList(Parameter.text("42"), Parameter.text(null), Parameter.text("zoë"))));
    assertThat(ClientMessage.decode(bind.type(), bind.body(), true, false))
        .isEqualTo(new Bind("", "S_3", null));
  }

  @Test
  void showsBinaryParametersAsHex() throws Exception {
    byte[] body =
        new Body().cstring("").cstring("").int16(1).int16(1).int16(1).int32(4).int32(7).int16(0).bytes();
    Bind bind = (Bind) decode(message('B', body));
    assertThat(bind.parameters()).containsExactly(new Parameter(true, new byte[] {0, 0, 0, 7}));
    assertThat(ParameterText.of(bind.parameters().get(0), 0)).isEqualTo("\\x00000007");
    assertThat(ParameterText.of(bind.parameters().get(0), 23)).isEqualTo("7");
    assertThat(ParameterText.of(bind.parameters().get(0), 20)).isEqualTo("\\x00000007"); // not 8 bytes
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
    assertThat(decode(messages.get(0))).isEqualTo(new Parse("", "DO $x$ BEGIN END $x$", java.util.List.of()));
    assertThat(decode(messages.get(1))).isEqualTo(new Bind("", "", java.util.List.of()));
    assertThat(decode(messages.get(2))).isEqualTo(new Execute("", 0));
    assertThat(decode(messages.get(3))).isEqualTo(new Query("SELECT 2"));
  }

  @Test
  void showsBinaryValuesOfCommonTypesAsPostgreSqlPrintsThem() {
    assertThat(ParameterText.of(new Parameter(true, new byte[] {1}), 16)).isEqualTo("t");
    assertThat(ParameterText.of(new Parameter(true, ByteBuffer.allocate(8).putLong(-5).array()), 20)).isEqualTo("-5");
    assertThat(ParameterText.of(new Parameter(true, ByteBuffer.allocate(8).putDouble(1.5).array()), 701)).isEqualTo("1.5");
    assertThat(ParameterText.of(new Parameter(true, ByteBuffer.allocate(4).putInt(1).array()), 1082)).isEqualTo("2000-01-02");
    assertThat(ParameterText.of(new Parameter(true, ByteBuffer.allocate(16).putLong(1).putLong(2).array()), 2950))
        .isEqualTo("00000000-0000-0001-0000-000000000002");
    assertThat(ParameterText.of(new Parameter(true, "zoë".getBytes(StandardCharsets.UTF_8)), 25)).isEqualTo("zoë");
    assertThat(ParameterText.of(new Parameter(true, null), 23)).isNull();
  }
}
