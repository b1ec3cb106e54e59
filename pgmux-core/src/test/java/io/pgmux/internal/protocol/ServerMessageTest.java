package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.internal.protocol.ServerMessage.CommandComplete;
import io.pgmux.internal.protocol.ServerMessage.ErrorResponse;
import io.pgmux.internal.protocol.ServerMessage.ReadyForQuery;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.test.Frames;
import io.pgmux.test.Frames.Body;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServerMessageTest {

  private static ServerMessage decode(TapMessage m) throws ProtocolException {
    return ServerMessage.decode(m.type(), m.body());
  }

  @Test
  void splitsCommandTagsIntoCommandAndRows() throws Exception {
    assertThat(decode(Frames.commandComplete("INSERT 0 3")))
        .isEqualTo(new CommandComplete("INSERT 0 3", "INSERT", 3));
    assertThat(CommandComplete.of("SELECT 12")).isEqualTo(new CommandComplete("SELECT 12", "SELECT", 12));
    assertThat(CommandComplete.of("UPDATE 0").rows()).isZero();
    assertThat(CommandComplete.of("COPY 1000").command()).isEqualTo("COPY");
    assertThat(CommandComplete.of("MERGE 2").rows()).isEqualTo(2);
    assertThat(CommandComplete.of("CREATE TABLE"))
        .isEqualTo(new CommandComplete("CREATE TABLE", "CREATE TABLE", -1));
    assertThat(CommandComplete.of("BEGIN").rows()).isEqualTo(-1);
    assertThat(CommandComplete.of("SELECT 99999999999999999999999").rows()).isEqualTo(-1);
  }

  @Test
  void readsSeverityCodeAndMessageOfErrors() throws Exception {
    assertThat(decode(Frames.error("40001", "could not serialize access")))
        .isEqualTo(new ErrorResponse("ERROR", "40001", "could not serialize access"));
    ErrorResponse fatal = (ErrorResponse) decode(Frames.fatal("57P01", "terminating connection"));
    assertThat(fatal.isFatal()).isTrue();
    // Before 9.6 only the localized severity is sent.
    byte[] old = new Body().int8('S').cstring("FEHLER").int8('C').cstring("42P01").int8('\0').bytes();
    assertThat(decode(Frames.message('E', old))).isEqualTo(new ErrorResponse("FEHLER", "42P01", null));
  }

  @Test
  void rejectsTruncatedErrors() {
    byte[] cut = new Body().int8('C').raw("400".getBytes(StandardCharsets.UTF_8)).bytes();
    assertThatThrownBy(() -> decode(Frames.message('E', cut))).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> decode(Frames.message('E', new byte[0]))).isInstanceOf(ProtocolException.class);
  }

  @Test
  void readsTransactionStatus() throws Exception {
    assertThat(decode(Frames.ready('T'))).isEqualTo(new ReadyForQuery('T'));
    assertThatThrownBy(() -> decode(Frames.ready('x'))).hasMessageContaining("status x");
    assertThatThrownBy(() -> decode(Frames.message('Z', new byte[0]))).isInstanceOf(ProtocolException.class);
  }

  @Test
  void knowsCopyAndExtendedReplies() throws Exception {
    assertThat(decode(Frames.copyInResponse())).isInstanceOf(ServerMessage.CopyInResponse.class);
    assertThat(decode(Frames.copyOutResponse())).isInstanceOf(ServerMessage.CopyOutResponse.class);
    assertThat(decode(Frames.parseComplete())).isInstanceOf(ServerMessage.ParseComplete.class);
    assertThat(decode(Frames.bindComplete())).isInstanceOf(ServerMessage.BindComplete.class);
    assertThat(decode(Frames.dataRow("x"))).isNull();
  }

  @Test
  void dropsTheContextFieldOfAnError() throws Exception {
    byte[] body =
        new Body().int8('S').cstring("ERROR").int8('C').cstring("40001").int8('M').cstring("m")
            .int8('W').cstring("PL/pgSQL function inline_code_block line 1 at RAISE").int8('\0').bytes();
    var rewritten = Frames.split(ServerMessage.errorWithout(java.nio.ByteBuffer.wrap(body), "W"));
    assertThat(new String(Frames.wire(rewritten.get(0)), 5, rewritten.get(0).length() - 4, StandardCharsets.UTF_8))
        .isEqualTo("SERROR\0C40001\0Mm\0\0");
  }

  @Test
  void encodesErrors() throws Exception {
    var m = Frames.split(BackendMessages.error("ERROR", "40001", "retry")).get(0);
    assertThat(decode(m)).isEqualTo(new ErrorResponse("ERROR", "40001", "retry"));
  }
}
