package io.pgmux.test;

import io.pgmux.BackendConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server that plays a broken PostgreSQL backend: it accepts, reads what the proxy sends,
 * answers with fixed bytes (or nothing), and then closes or stays silent.
 */
public final class FakeBackend implements AutoCloseable {
  /** What the fake does with each connection. */
  public enum Behaviour {
    /** Reads the startup message, then closes without a word. */
    CLOSE_AFTER_STARTUP,
    /** Reads the startup message, then never answers. */
    SILENT,
    /** Reads the startup message, then sends bytes that are not PostgreSQL messages. */
    GARBAGE
  }

  private final ServerSocket server;
  private final Behaviour behaviour;
  private final Thread thread;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public FakeBackend(Behaviour behaviour) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.behaviour = behaviour;
    this.thread = new Thread(this::serve, "fake-backend");
    thread.setDaemon(true);
    thread.start();
  }

  public BackendConfig backend() {
    return BackendConfig.of("127.0.0.1", server.getLocalPort());
  }

  private void serve() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        InputStream in = socket.getInputStream();
        byte[] length = in.readNBytes(4);
        int size = ((length[0] & 0xff) << 24) | ((length[1] & 0xff) << 16) | ((length[2] & 0xff) << 8) | (length[3] & 0xff);
        in.readNBytes(size - 4);
        OutputStream out = socket.getOutputStream();
        switch (behaviour) {
          case CLOSE_AFTER_STARTUP:
            socket.close();
            break;
          case GARBAGE:
            out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            break;
          case SILENT:
          default:
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
