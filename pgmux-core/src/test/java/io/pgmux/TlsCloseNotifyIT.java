package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.TestTls;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every TLS session the proxy ends, it ends as PostgreSQL does: with a TLS close_notify before
 * the socket closes, so a client sees a clean close, not "unexpected eof" (libpq 17's cancel API
 * sends its cancel requests inside TLS and reports a cancel as failed without one).
 */
class TlsCloseNotifyIT {
  private ProxyServer proxy;

  @BeforeEach
  void start() {
    // Routes nobody: no backend is needed to cancel an unknown key or to be refused.
    proxy = new ProxyServer("127.0.0.1:0", request -> null).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  @Test
  void aCancelRequestInsideTlsIsAnsweredWithCloseNotify() throws Exception {
    try (TlsClient client = new TlsClient(proxy.port())) {
      client.write(
          ByteBuffer.allocate(16).putInt(16).putInt(80877102).putInt(4711).putInt(42).array());
      assertThat(client.readToEnd()).isEmpty();
      assertThat(client.closeNotifyReceived()).as("TLS close_notify before the close").isTrue();
    }
  }

  @Test
  void aRefusalInsideTlsEndsWithCloseNotify() throws Exception {
    try (TlsClient client = new TlsClient(proxy.port())) {
      byte[] body = "user\0nobody\0\0".getBytes(StandardCharsets.US_ASCII);
      client.write(ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(3 << 16).put(body).array());
      byte[] answer = client.readToEnd();
      assertThat(answer).isNotEmpty();
      assertThat((char) answer[0]).isEqualTo('E');
      assertThat(new String(answer, StandardCharsets.US_ASCII)).contains("28000");
      assertThat(client.closeNotifyReceived()).as("TLS close_notify after the error").isTrue();
    }
  }

  /** A TLS client on an SSLEngine, so the test can tell close_notify from a bare close. */
  private static final class TlsClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private ByteBuffer netIn = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer netOut = ByteBuffer.allocate(64 * 1024);
    private boolean eof;

    TlsClient(int port) throws Exception {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
      out.write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
      assertThat(new DataInputStream(in).readByte()).isEqualTo((byte) 'S');
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAll()}, null);
      engine = context.createSSLEngine("localhost", port);
      engine.setUseClientMode(true);
      engine.beginHandshake();
      handshake();
    }

    private void handshake() throws Exception {
      ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
      while (true) {
        HandshakeStatus status = engine.getHandshakeStatus();
        if (status == HandshakeStatus.NEED_WRAP) {
          netOut.clear();
          engine.wrap(ByteBuffer.allocate(0), netOut);
          out.write(netOut.array(), 0, netOut.flip().remaining());
        } else if (status == HandshakeStatus.NEED_UNWRAP) {
          if (unwrap(app).getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !fill()) {
            throw new IOException("closed during the handshake");
          }
        } else if (status == HandshakeStatus.NEED_TASK) {
          engine.getDelegatedTask().run();
        } else {
          return;
        }
      }
    }

    void write(byte[] data) throws Exception {
      ByteBuffer src = ByteBuffer.wrap(data);
      while (src.hasRemaining()) {
        netOut.clear();
        engine.wrap(src, netOut);
        out.write(netOut.array(), 0, netOut.flip().remaining());
      }
    }

    /** Reads application bytes until the proxy ends the session, by close_notify or by EOF. */
    byte[] readToEnd() throws Exception {
      ByteBuffer app = ByteBuffer.allocate(1 << 20);
      while (!engine.isInboundDone()) {
        SSLEngineResult result = unwrap(app);
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
          break;
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !fill()) {
          break; // EOF without close_notify
        }
      }
      return Arrays.copyOf(app.array(), app.position());
    }

    boolean closeNotifyReceived() {
      return engine.isInboundDone();
    }

    private SSLEngineResult unwrap(ByteBuffer app) throws Exception {
      netIn.flip();
      try {
        return engine.unwrap(netIn, app);
      } finally {
        netIn.compact();
      }
    }

    private boolean fill() throws IOException {
      if (eof) {
        return false;
      }
      int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
      if (n < 0) {
        eof = true;
        return false;
      }
      netIn.position(netIn.position() + n);
      return true;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
