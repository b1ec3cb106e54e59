package io.pgmux.internal.inspect;

import io.pgmux.BackendConfig;
import io.pgmux.SessionInfo;
import io.pgmux.internal.protocol.BackendMessages;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import io.pgmux.internal.tap.TappedSession;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A blocking relay, two threads per session, that honours the message-tap contract: enough to
 * run taps between pgjdbc and a real PostgreSQL in tests, without the proxy's event loops. Every
 * user goes to one backend; no TLS (clients must use {@code sslmode=disable}).
 */
public final class TapRelay implements AutoCloseable {
  private final ServerSocket server;
  private final BackendConfig backend;
  private final SessionTaps taps;
  private final AtomicLong ids = new AtomicLong();

  public TapRelay(BackendConfig backend, SessionTaps taps) throws IOException {
    this.backend = backend;
    this.taps = taps;
    server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(this::accept, "tap-relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> serve(client), "tap-relay-session");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try {
      DataInputStream in = new DataInputStream(client.getInputStream());
      byte[] startup = readStartup(in);
      if (ByteBuffer.wrap(startup).getInt(4) == 80877103) { // SSLRequest
        client.getOutputStream().write('N');
        startup = readStartup(in);
      }
      Map<String, String> parameters = parameters(startup);
      String user = parameters.get("user");
      var refusal = taps.admit(new io.pgmux.RouteRequest(user, parameters.getOrDefault("database", user),
          parameters, (InetSocketAddress) client.getRemoteSocketAddress(), false, null), backend);
      if (refusal != null) {
        write(client.getOutputStream(), BackendMessages.fatal(refusal.sqlState(), refusal.message()));
        client.close();
        return;
      }
      Socket db = new Socket(backend.host(), backend.port());
      db.getOutputStream().write(startup);
      Session s = new Session(client, db, new SessionInfo(ids.incrementAndGet(),
          (InetSocketAddress) client.getRemoteSocketAddress(), user,
          parameters.getOrDefault("database", user), backend, false, Instant.now(), 0, 0));
      Thread up = new Thread(() -> s.pump(in, true), "tap-relay-up");
      up.setDaemon(true);
      up.start();
      s.pump(new DataInputStream(db.getInputStream()), false);
    } catch (IOException e) {
      // the client went away during startup
    }
  }

  private static byte[] readStartup(DataInputStream in) throws IOException {
    int length = in.readInt();
    byte[] packet = new byte[length];
    ByteBuffer.wrap(packet).putInt(length);
    in.readFully(packet, 4, length - 4);
    return packet;
  }

  private static Map<String, String> parameters(byte[] startup) {
    Map<String, String> out = new HashMap<>();
    String[] parts = new String(startup, 8, startup.length - 8, StandardCharsets.UTF_8).split("\0");
    for (int i = 0; i + 1 < parts.length; i += 2) {
      out.put(parts[i], parts[i + 1]);
    }
    return out;
  }

  private static void write(OutputStream out, ByteBuffer bytes) throws IOException {
    byte[] b = new byte[bytes.remaining()];
    bytes.duplicate().get(b);
    out.write(b);
    out.flush();
  }

  private final class Session implements TappedSession {
    private final Socket client;
    private final Socket db;
    private final SessionInfo info;
    private volatile MessageTap tap;
    private final Object tapLock = new Object();
    private final Object holdLock = new Object();
    private int resumes;
    private volatile boolean closed;

    Session(Socket client, Socket db, SessionInfo info) {
      this.client = client;
      this.db = db;
      this.info = info;
    }

    void pump(DataInputStream in, boolean fromClient) {
      OutputStream out;
      try {
        out = (fromClient ? db : client).getOutputStream();
        while (true) {
          byte type = in.readByte();
          int length = in.readInt();
          byte[] body = new byte[length - 4];
          in.readFully(body);
          MessageTap current = tap;
          TapAction action = TapAction.PASS;
          if (current != null) {
            TapMessage m = new TapMessage(type, length, ByteBuffer.wrap(body).asReadOnlyBuffer(), true);
            synchronized (tapLock) {
              action = fromClient ? current.fromClient(m) : current.fromBackend(m);
            }
          } else if (!fromClient && type == 'Z') {
            synchronized (tapLock) {
              tap = taps.open(this);
            }
          }
          ByteBuffer frame = ByteBuffer.allocate(5 + body.length).put(type).putInt(length).put(body).flip();
          if (!act(action, out, frame)) {
            return;
          }
        }
      } catch (IOException | InterruptedException e) {
        end();
      }
    }

    private boolean act(TapAction action, OutputStream out, ByteBuffer frame)
        throws IOException, InterruptedException {
      if (action instanceof TapAction.Replace r) {
        frame = r.messages();
      } else if (action instanceof TapAction.Delay d) {
        Thread.sleep(d.delay().toMillis(), d.delay().toNanosPart() % 1_000_000);
      } else if (action instanceof TapAction.Hold) {
        synchronized (holdLock) {
          int seen = resumes;
          while (resumes == seen && !closed) {
            holdLock.wait(100);
          }
        }
      } else if (action instanceof TapAction.Cut) {
        end();
        return false;
      } else if (action instanceof TapAction.Terminate t) {
        terminate(t.sqlState(), t.message());
        return false;
      }
      synchronized (this) {
        write(out, frame);
      }
      return true;
    }

    @Override
    public SessionInfo info() {
      return info;
    }

    @Override
    public void resume() {
      synchronized (holdLock) {
        resumes++;
        holdLock.notifyAll();
      }
    }

    @Override
    public void terminate(String sqlState, String message) {
      try {
        synchronized (this) {
          write(client.getOutputStream(), BackendMessages.fatal(sqlState, message));
        }
      } catch (IOException e) {
        // already gone
      }
      end();
    }

    @Override
    public void cut() {
      end();
    }

    private void end() {
      synchronized (tapLock) {
        if (closed) {
          return;
        }
        closed = true;
        if (tap != null) {
          tap.ended();
        }
      }
      resume();
      try {
        client.close();
      } catch (IOException e) {
        // closing anyway
      }
      try {
        db.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
