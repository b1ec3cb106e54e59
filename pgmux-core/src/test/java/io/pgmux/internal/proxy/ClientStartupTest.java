package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.proxy.ClientStartup.Outcome;
import io.pgmux.internal.protocol.StartupPacket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's startup phase on byte scripts: what it answers, and what it reports. */
class ClientStartupTest {
  private final ScriptedTransport client = new ScriptedTransport();
  private final ClientStartup startup =
      new ClientStartup(client, null, new BufferPool(4), Runnable::run, () -> {});

  static byte[] startupMessage(String... parameters) {
    StringBuilder body = new StringBuilder();
    for (String p : parameters) {
      body.append(p).append('\0');
    }
    body.append('\0');
    byte[] text = body.toString().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + text.length).putInt(8 + text.length).putInt(3 << 16).put(text).array();
  }

  static byte[] request(int code) {
    return ByteBuffer.allocate(8).putInt(8).putInt(code).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] p : parts) {
      all.put(p);
    }
    return all.array();
  }

  @Test
  void readsAStartupMessageWhateverTheSplitAndKeepsWhatFollows() throws Exception {
    byte[] query = {'Q', 0, 0, 0, 5, 0};
    byte[] stream = concat(startupMessage("user", "alice", "database", "app"), query);
    for (int split = 1; split < stream.length; split++) {
      ScriptedTransport client = new ScriptedTransport();
      ClientStartup startup = new ClientStartup(client, null, new BufferPool(4), Runnable::run, () -> {});
      client.feed(Arrays.copyOfRange(stream, 0, split));
      Outcome first = startup.read();
      client.feed(Arrays.copyOfRange(stream, split, stream.length));
      Outcome outcome = first instanceof Outcome.Waiting ? startup.read() : first;

      assertThat(outcome).as("split at %d", split).isInstanceOf(Outcome.Login.class);
      Outcome.Login login = (Outcome.Login) outcome;
      assertThat(login.message().parameters()).isEqualTo(Map.of("user", "alice", "database", "app"));
      // Bytes after the startup message are kept for the backend, if they arrived with it.
      byte[] rest = new byte[login.rest().remaining()];
      login.rest().get(rest);
      assertThat(rest).isEqualTo(Arrays.copyOf(query, rest.length));
    }
  }

  @Test
  void waitsForMoreBytes() throws Exception {
    client.feed(new byte[] {0, 0});
    assertThat(startup.read()).isInstanceOf(Outcome.Waiting.class);
    assertThat(client.takeWritten()).isEmpty();
  }

  @Test
  void answersSslRequestWithNoWhenTlsIsOffThenReadsTheStartup() throws Exception {
    client.feed(request(StartupPacket.SSL_REQUEST_CODE));
    assertThat(startup.read()).isInstanceOf(Outcome.Waiting.class);
    assertThat(client.takeWritten()).containsExactly('N');
    client.feed(startupMessage("user", "bob"));
    assertThat(startup.read()).isInstanceOf(Outcome.Login.class);
  }

  @Test
  void answersGssEncRequestWithNo() throws Exception {
    client.feed(request(StartupPacket.GSSENC_REQUEST_CODE), startupMessage("user", "bob"));
    assertThat(startup.read()).isInstanceOf(Outcome.Login.class);
    assertThat(client.takeWritten()).containsExactly('N');
  }

  @Test
  void refusesBytesSentAfterSslRequestBeforeTheAnswer() throws Exception {
    client.feed(concat(request(StartupPacket.SSL_REQUEST_CODE), startupMessage("user", "bob")));
    Outcome outcome = startup.read();
    assertThat(outcome).isInstanceOf(Outcome.Refuse.class);
    assertThat(((Outcome.Refuse) outcome).error().message())
        .isEqualTo("pgmux: received unencrypted data after SSL request");
    assertThat(client.takeWritten()).isEmpty();
  }

  @Test
  void reportsACancelRequest() throws Exception {
    byte[] cancel =
        ByteBuffer.allocate(16).putInt(16).putInt(StartupPacket.CANCEL_REQUEST_CODE).putInt(42).putInt(7).array();
    client.feed(cancel);
    Outcome outcome = startup.read();
    assertThat(outcome).isInstanceOf(Outcome.Cancel.class);
    StartupPacket.CancelRequest request = ((Outcome.Cancel) outcome).request();
    assertThat(request.processId()).isEqualTo(42);
    assertThat(request.encode().array()).isEqualTo(cancel);
  }

  @Test
  void closesWithoutAWordOnAnInvalidLength() throws Exception {
    for (byte[] bad : new byte[][] {{0, 0, 0, 4}, {'X', 0, 0, 0, 4}, {0, 0, 0x27, 0x11}}) {
      ScriptedTransport client = new ScriptedTransport();
      ClientStartup startup = new ClientStartup(client, null, new BufferPool(4), Runnable::run, () -> {});
      client.feed(bad);
      assertThat(startup.read()).isInstanceOf(Outcome.Close.class);
      assertThat(client.takeWritten()).isEmpty();
    }
  }

  @Test
  void aSecondSslRequestIsAnUnknownProtocolAsInPostgres() throws Exception {
    client.feed(request(StartupPacket.SSL_REQUEST_CODE));
    assertThat(startup.read()).isInstanceOf(Outcome.Waiting.class);
    client.feed(request(StartupPacket.GSSENC_REQUEST_CODE));
    assertThat(startup.read()).isInstanceOf(Outcome.Waiting.class);
    assertThat(client.takeWritten()).containsExactly('N', 'N');
    client.feed(request(StartupPacket.SSL_REQUEST_CODE));
    Outcome outcome = startup.read();
    assertThat(outcome).isInstanceOf(Outcome.Refuse.class);
    assertThat(((Outcome.Refuse) outcome).error())
        .isEqualTo(
            new io.pgmux.internal.protocol.ProxyError(
                "0A000", "pgmux: unsupported frontend protocol 1234.5679: server supports 3.0 to 3.2"));
  }

  @Test
  void refusesBytesSentAfterGssEncRequestBeforeTheAnswer() throws Exception {
    client.feed(concat(request(StartupPacket.GSSENC_REQUEST_CODE), startupMessage("user", "bob")));
    Outcome outcome = startup.read();
    assertThat(((Outcome.Refuse) outcome).error().message())
        .isEqualTo("pgmux: received unencrypted data after GSSAPI encryption request");
  }

  @Test
  void closesWhenTheClientLeaves() throws Exception {
    client.feed(new byte[] {0, 0, 0});
    client.end();
    assertThat(startup.read()).isInstanceOf(Outcome.Close.class);
  }

  @Test
  void closesOnDirectTlsWhenTlsIsOff() throws Exception {
    client.feed(new byte[] {0x16, 3, 1, 0, 5});
    assertThat(startup.read()).isInstanceOf(Outcome.Close.class);
    assertThat(client.takeWritten()).isEmpty();
  }
}
