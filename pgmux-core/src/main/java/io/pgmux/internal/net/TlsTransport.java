package io.pgmux.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * A socket with TLS, driven by an {@link SSLEngine}. The handshake runs inside {@link #read} and
 * {@link #flush}: a read may need to write handshake records, and the caller learns of that
 * through {@link #hasQueuedOutput()} and {@link #needsRead()}.
 *
 * <p>The engine's delegated tasks (the handshake's key exchange and signatures, milliseconds of
 * CPU each) run on {@code tasks}, not on the loop: meanwhile the transport is {@link #busy()},
 * and {@code tasksDone} is called, from the task thread, when the handshake can go on.
 *
 * <p>Buffers come from the loop's {@link BufferPool} and go back as soon as they are empty, so an
 * idle TLS session holds only its engine.
 *
 * <p>What PostgreSQL refuses and the engine would allow ({@link HandshakeGuard}: direct TLS
 * without ALPN {@code postgresql}, TLS 1.2 renegotiation) ends the session with {@code
 * close_notify}; a handshake the engine fails gets the engine's alert, as OpenSSL sends one.
 */
public final class TlsTransport extends Transport {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SSLEngine engine;
  private final BufferPool pool;
  /** Encrypted bytes read from the socket and not yet unwrapped. Filling mode; null when empty. */
  private ByteBuffer netIn;
  /** Encrypted bytes wrapped and not yet written to the socket. Filling mode; null when empty. */
  private ByteBuffer netOut;
  /** Decrypted bytes that did not fit the caller's buffer. Filling mode; null when empty. */
  private ByteBuffer appIn;
  private boolean inboundDone;
  private final Executor tasks;
  private final Runnable tasksDone;
  /** Set on the loop when tasks are handed off; cleared on the loop by {@link #resumed()}. */
  private boolean busy;
  private final HandshakeGuard guard;
  /** Set when the transport refused the session; it reads and writes no more. */
  private SSLException refused;

  /**
   * @param initial bytes already read from the socket that belong to the handshake (a ClientHello
   *     sent without SSLRequest, which makes this direct TLS and requires ALPN); empty after an
   *     SSLRequest
   * @param tasks runs the engine's delegated tasks
   * @param tasksDone called on the task thread once they ran; must get the loop to call {@link
   *     #resumed()} and then read again
   */
  public TlsTransport(
      SocketChannel channel,
      SSLEngine engine,
      BufferPool pool,
      ByteBuffer initial,
      Executor tasks,
      Runnable tasksDone)
      throws SSLException {
    super(channel);
    this.engine = engine;
    this.pool = pool;
    this.tasks = tasks;
    this.tasksDone = tasksDone;
    this.guard = new HandshakeGuard(initial.hasRemaining());
    if (initial.hasRemaining()) {
      netIn = pool.acquire();
      netIn.put(initial);
    }
    engine.beginHandshake();
  }

  @Override
  public boolean isTls() {
    return true;
  }

  /** Returns true once the handshake has completed. */
  public boolean handshakeDone() {
    HandshakeStatus status = engine.getHandshakeStatus();
    return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
  }

  /** Returns the host name the client sent in SNI, or null. */
  public String serverName() {
    SSLSession session = engine.getSession();
    if (session instanceof ExtendedSSLSession) {
      List<SNIServerName> names = ((ExtendedSSLSession) session).getRequestedServerNames();
      for (SNIServerName name : names) {
        if (name instanceof SNIHostName) {
          return ((SNIHostName) name).getAsciiName();
        }
      }
    }
    return null;
  }

  @Override
  public X509Certificate localCertificate() {
    Certificate[] chain = engine.getSession().getLocalCertificates();
    return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate
        ? (X509Certificate) chain[0]
        : null;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (appIn != null) {
      return drainAppIn(dst);
    }
    while (true) {
      if (refused != null) {
        throw refused;
      }
      if (busy) {
        return 0;
      }
      HandshakeStatus status = engine.getHandshakeStatus();
      String refusal = guard.check(engine, status);
      if (refusal != null) {
        throw refuse(refusal);
      }
      if (status == HandshakeStatus.NEED_TASK) {
        handOffTasks();
        return 0;
      }
      if (status == HandshakeStatus.NEED_WRAP) {
        if (!wrapHandshake()) {
          return 0;
        }
        continue;
      }
      if (netIn == null || netIn.position() == 0) {
        if (inboundDone) {
          return -1;
        }
        int n = fillNetIn();
        if (n <= 0) {
          return n;
        }
      }
      int appSize = engine.getSession().getApplicationBufferSize();
      ByteBuffer target = dst.remaining() >= appSize ? dst : (appIn = pool.acquire());
      SSLEngineResult result;
      netIn.flip();
      int contentType = netIn.get(netIn.position());
      try {
        result = engine.unwrap(netIn, target);
      } catch (SSLException e) {
        // Like OpenSSL, answer a TLS record with an alert, and bytes that are no TLS at all
        // (a plaintext client after 'S') with a close only.
        throw contentType >= 20 && contentType <= 24 ? sendAlert(e) : e;
      } finally {
        netIn.compact();
        releaseNetInIfEmpty();
      }
      switch (result.getStatus()) {
        case OK:
          if (target == appIn) {
            if (appIn.position() > 0) {
              return drainAppIn(dst);
            }
            pool.release(appIn);
            appIn = null;
          } else if (result.bytesProduced() > 0) {
            return result.bytesProduced();
          }
          continue;
        case BUFFER_UNDERFLOW:
          releaseAppInIfEmpty();
          int n = fillNetIn();
          if (n <= 0) {
            return n;
          }
          continue;
        case CLOSED:
          releaseAppInIfEmpty();
          inboundDone = true;
          return -1;
        case BUFFER_OVERFLOW:
        default:
          throw new SSLException("TLS record does not fit the application buffer");
      }
    }
  }

  /** Sends close_notify, and makes this and every later read fail with the returned exception. */
  private SSLException refuse(String why) {
    closeOutbound();
    refused = new SSLException(why);
    return refused;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (refused != null) {
      throw refused;
    }
    int before = src.remaining();
    while (src.hasRemaining()) {
      if (netOut == null) {
        netOut = pool.acquire();
      }
      if (netOut.remaining() < engine.getSession().getPacketBufferSize() && !flush()) {
        break;
      }
      if (netOut == null) {
        netOut = pool.acquire();
      }
      SSLEngineResult result = engine.wrap(src, netOut);
      if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new SSLException("TLS session closed");
      }
      if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
        runTasks();
      } else if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
        break; // the engine waits for the peer (a handshake step): nothing to send yet
      }
    }
    flush();
    return before - src.remaining();
  }

  @Override
  public boolean flush() throws IOException {
    if (netOut == null) {
      return true;
    }
    netOut.flip();
    try {
      channel.write(netOut);
    } finally {
      netOut.compact();
    }
    if (netOut.position() == 0) {
      pool.release(netOut);
      netOut = null;
      return true;
    }
    return false;
  }

  @Override
  public boolean hasQueuedOutput() {
    return netOut != null;
  }

  @Override
  public boolean needsRead() {
    return !busy && engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP;
  }

  @Override
  public boolean busy() {
    return busy;
  }

  /** The delegated tasks ran; call on the loop before reading again. */
  public void resumed() {
    busy = false;
  }

  @Override
  public boolean hasBufferedInput() {
    return appIn != null || netIn != null;
  }

  /** Queues close_notify and tries once to send it; the caller closes the socket after. */
  public void closeOutbound() {
    try {
      engine.closeOutbound();
      if (netOut == null) {
        netOut = pool.acquire();
      }
      engine.wrap(EMPTY, netOut);
      flush();
    } catch (IOException | RuntimeException e) {
      // The peer is gone or the engine never finished its handshake; nothing to tell it.
    }
  }

  @Override
  public void release() {
    pool.release(netIn);
    pool.release(netOut);
    pool.release(appIn);
    netIn = netOut = appIn = null;
  }

  /**
   * The engine failed the handshake and queued a fatal alert (such as {@code
   * no_application_protocol}): sends it, as PostgreSQL's OpenSSL does, before the caller closes.
   */
  private SSLException sendAlert(SSLException failure) {
    try {
      if (netOut == null) {
        netOut = pool.acquire();
      }
      engine.wrap(EMPTY, netOut);
      flush();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e); // the peer is gone, or there was no alert to send
    }
    return failure;
  }

  private boolean wrapHandshake() throws IOException {
    if (netOut == null) {
      netOut = pool.acquire();
    }
    SSLEngineResult result;
    try {
      result = engine.wrap(EMPTY, netOut);
    } catch (SSLException e) {
      throw sendAlert(e);
    }
    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
      if (!flush()) {
        return false;
      }
      netOut = pool.acquire();
      engine.wrap(EMPTY, netOut);
    } else if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
      flush();
      throw new SSLException("TLS handshake failed");
    }
    return flush();
  }

  private int fillNetIn() throws IOException {
    if (netIn == null) {
      netIn = pool.acquire();
    }
    if (!netIn.hasRemaining()) {
      throw new SSLException("TLS record larger than " + netIn.capacity() + " bytes");
    }
    int n = channel.read(netIn);
    releaseNetInIfEmpty();
    if (n < 0) {
      inboundDone = true;
    }
    return n;
  }

  private int drainAppIn(ByteBuffer dst) {
    appIn.flip();
    int n = Math.min(appIn.remaining(), dst.remaining());
    dst.put(appIn.slice(appIn.position(), n));
    appIn.position(appIn.position() + n);
    appIn.compact();
    releaseAppInIfEmpty();
    return n;
  }

  private void releaseNetInIfEmpty() {
    if (netIn != null && netIn.position() == 0) {
      pool.release(netIn);
      netIn = null;
    }
  }

  private void releaseAppInIfEmpty() {
    if (appIn != null && appIn.position() == 0) {
      pool.release(appIn);
      appIn = null;
    }
  }

  /** Runs the delegated tasks here; for the rare task after the handshake, in {@link #write}. */
  private void runTasks() {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  private void handOffTasks() {
    List<Runnable> pending = new ArrayList<>(2);
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      pending.add(task);
    }
    busy = true;
    tasks.execute(
        () -> {
          try {
            // The engine keeps what a task throws and reports it at the next wrap or unwrap.
            pending.forEach(Runnable::run);
          } finally {
            tasksDone.run();
          }
        });
  }
}
