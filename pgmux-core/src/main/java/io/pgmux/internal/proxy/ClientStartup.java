package io.pgmux.internal.proxy;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.TlsTransport;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.protocol.StartupFraming;
import io.pgmux.internal.protocol.StartupPacket;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import io.pgmux.internal.protocol.StartupPacket.GssEncRequest;
import io.pgmux.internal.protocol.StartupPacket.SslRequest;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * The client's side of a session until its startup packet: answers SSLRequest and GSSENCRequest,
 * runs the TLS handshake (after SSLRequest, or directly when the client opens with a ClientHello),
 * and reads the packet that says what the client wants. It only reads and answers; what follows
 * is up to the session, told by the {@link Outcome} that {@link #read()} returns.
 */
final class ClientStartup {

  /** What the client's bytes so far amount to. */
  sealed interface Outcome {
    /** Nothing to act on yet: wait for the client. */
    record Waiting() implements Outcome {}

    /**
     * The client wants a session.
     *
     * @param rest bytes the client sent after the startup message (flip mode), possibly none
     */
    record Login(StartupMessage message, ByteBuffer rest) implements Outcome {}

    /** The client sent a cancel request; it expects no answer. */
    record Cancel(CancelRequest request) implements Outcome {}

    /** The client broke the protocol and gets {@code error}. */
    record Refuse(ProxyError error) implements Outcome {}

    /** The connection ends without a word ({@code why} is for the debug log). */
    record Close(String why) implements Outcome {}
  }

  static final Outcome WAITING = new Outcome.Waiting();

  private final Supplier<SSLEngine> tls;
  private final BufferPool pool;
  private final Executor tlsTasks;
  private final Runnable handshakeStepDone;
  private Transport client;
  /** SSLRequest was answered (or TLS began directly): another one is not a request any more. */
  private boolean sslDone;
  /** GSSENCRequest was answered, or TLS began. */
  private boolean gssDone;
  /** The startup packet as it arrives. Filling mode. */
  private ByteBuffer in = ByteBuffer.allocate(StartupPacket.MAX_LENGTH + 1024);

  /**
   * @param tls makes server-side TLS engines, or null when TLS is off
   * @param tlsTasks runs TLS handshake steps off the loop
   * @param handshakeStepDone called on a task thread when such a step ran: must get the loop to
   *     call {@link Transport#resumed()} and {@link #read()} again
   */
  ClientStartup(
      Transport client,
      Supplier<SSLEngine> tls,
      BufferPool pool,
      Executor tlsTasks,
      Runnable handshakeStepDone) {
    this.client = client;
    this.tls = tls;
    this.pool = pool;
    this.tlsTasks = tlsTasks;
    this.handshakeStepDone = handshakeStepDone;
  }

  /** The client's transport: plain, or TLS once the client asked for it. */
  Transport transport() {
    return client;
  }

  /** Reads what the client sent, answers what needs an answer, and says what comes next. */
  Outcome read() throws IOException {
    while (true) {
      Outcome outcome = process();
      if (outcome != null) {
        return outcome;
      }
      if (!in.hasRemaining()) {
        return new Outcome.Close("startup packet too long"); // cannot happen: the length is checked
      }
      int n = client.read(in);
      if (n < 0) {
        return new Outcome.Close("client left during startup");
      }
      if (n == 0) {
        return WAITING;
      }
    }
  }

  /** Acts on the complete packets read so far; returns null when more bytes are needed. */
  private Outcome process() throws IOException {
    while (true) {
      if (!client.isTls() && StartupFraming.startsTlsHandshake(in)) {
        return directTls();
      }
      int length;
      try {
        length = StartupFraming.completePacket(in);
      } catch (ProtocolException e) {
        // PostgreSQL only logs this (COMMERROR) and closes: no reply on a stream it cannot frame.
        return new Outcome.Close(e.getMessage());
      }
      if (length == StartupFraming.INCOMPLETE) {
        return null;
      }
      StartupPacket packet;
      try {
        packet = StartupPacket.decode(in.slice(4, length - 4));
      } catch (ProtocolException e) {
        return new Outcome.Refuse(ProxyError.protocol(e.getMessage()));
      }
      in.flip().position(length);
      in.compact();
      Outcome outcome = handle(packet);
      if (outcome != null) {
        return outcome;
      }
    }
  }

  private Outcome handle(StartupPacket packet) throws IOException {
    // As PostgreSQL: each request is answered once; a repeated one is an unknown protocol version.
    if (packet instanceof SslRequest) {
      if (sslDone) {
        return new Outcome.Refuse(ProxyError.repeatedRequest(StartupPacket.SSL_REQUEST_CODE));
      }
      if (in.position() > 0) {
        return new Outcome.Refuse(ProxyError.dataAfterSslRequest());
      }
      sslDone = true;
      if (tls == null) {
        return answer('N');
      }
      Outcome answered = answer('S');
      if (answered == null) {
        startTls(ByteBuffer.allocate(0));
      }
      return answered;
    } else if (packet instanceof GssEncRequest) {
      if (gssDone) {
        return new Outcome.Refuse(ProxyError.repeatedRequest(StartupPacket.GSSENC_REQUEST_CODE));
      }
      if (in.position() > 0) {
        return new Outcome.Refuse(ProxyError.dataAfterGssRequest());
      }
      gssDone = true;
      return answer('N');
    } else if (packet instanceof CancelRequest) {
      return new Outcome.Cancel((CancelRequest) packet);
    }
    ByteBuffer rest = in.flip();
    in = null;
    return new Outcome.Login((StartupMessage) packet, rest);
  }

  /** Writes a one-byte answer to SSLRequest or GSSENCRequest; a fresh socket always takes it. */
  private Outcome answer(char answer) throws IOException {
    if (client.write(ByteBuffer.wrap(new byte[] {(byte) answer})) != 1) {
      return new Outcome.Close("client did not take the answer to its request");
    }
    return null;
  }

  /** The client opened with a TLS ClientHello instead of SSLRequest (libpq's sslnegotiation=direct). */
  private Outcome directTls() throws IOException {
    if (tls == null) {
      return new Outcome.Close("direct TLS without TLS configured");
    }
    startTls(in.flip());
    in.clear();
    return null;
  }

  private void startTls(ByteBuffer initial) throws IOException {
    sslDone = gssDone = true;
    client = new TlsTransport(client.channel(), tls.get(), pool, initial, tlsTasks, handshakeStepDone);
  }
}
