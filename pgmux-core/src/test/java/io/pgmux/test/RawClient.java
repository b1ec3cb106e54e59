package io.pgmux.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL frontend small enough to break the protocol on purpose: sends raw bytes, reads
 * backend messages one at a time. For trust-authenticated users only.
 */
public final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private int processId;
  private byte[] secretKey;

  /** A backend message: its type byte and body. */
  public record Message(char type, byte[] body) {
    /** Returns the fields of an ErrorResponse or NoticeResponse, keyed by field type. */
    public Map<Character, String> fields() {
      Map<Character, String> fields = new LinkedHashMap<>();
      int at = 0;
      while (at < body.length && body[at] != 0) {
        char type = (char) body[at];
        int end = at + 1;
        while (body[end] != 0) {
          end++;
        }
        fields.put(type, new String(body, at + 1, end - at - 1, StandardCharsets.UTF_8));
        at = end + 1;
      }
      return fields;
    }
  }

  public RawClient(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  public Socket socket() {
    return socket;
  }

  public RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Encodes a startup message of protocol 3.{@code minor}. */
  public static byte[] startupMessage(int minor, String... parameters) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (String p : parameters) {
      body.writeBytes(p.getBytes(StandardCharsets.UTF_8));
      body.write(0);
    }
    body.write(0);
    return ByteBuffer.allocate(8 + body.size())
        .putInt(8 + body.size())
        .putInt(3 << 16 | minor)
        .put(body.toByteArray())
        .array();
  }

  /** Logs in (trust) with protocol 3.{@code minor} and reads up to ReadyForQuery. */
  public RawClient login(int minor, String user, String database) throws IOException {
    send(startupMessage(minor, "user", user, "database", database));
    while (true) {
      Message m = read();
      switch (m.type()) {
        case 'E':
          throw new IOException("login failed: " + m.fields());
        case 'K':
          ByteBuffer body = ByteBuffer.wrap(m.body());
          processId = body.getInt();
          secretKey = new byte[body.remaining()];
          body.get(secretKey);
          break;
        case 'Z':
          return this;
        default:
      }
    }
  }

  public byte[] secretKey() {
    return secretKey;
  }

  /** Sends a simple Query message. */
  public RawClient query(String sql) throws IOException {
    byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
    return send(ByteBuffer.allocate(5 + text.length).put((byte) 'Q').putInt(4 + text.length).put(text).array());
  }

  /** Reads messages until ReadyForQuery; returns the first ErrorResponse, or null. */
  public Message readUntilReady() throws IOException {
    Message error = null;
    while (true) {
      Message m = read();
      if (m.type() == 'E' && error == null) {
        error = m;
      }
      if (m.type() == 'Z') {
        return error;
      }
    }
  }

  /** Sends a CancelRequest to the server, as a client does on a connection of its own. */
  @FunctionalInterface
  public interface CancelSender {
    void send(byte[] cancelRequest) throws IOException;
  }

  /**
   * Cancels the query this session runs: sends its {@link #cancelRequest()} through {@code
   * sender}, again every 200 ms until the query ends (a cancel that arrives before the query runs
   * is a no-op, as in PostgreSQL), for at most 10 s. Returns the ErrorResponse the query ended
   * with, or null if it never ended.
   */
  public Message cancelUntilEnded(CancelSender sender) throws IOException {
    socket.setSoTimeout(200);
    long start = System.nanoTime();
    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
      sender.send(cancelRequest());
      try {
        return readUntilReady();
      } catch (SocketTimeoutException e) {
        // still running: cancel again
      }
    }
    return null;
  }

  /**
   * {@link #cancelUntilEnded(CancelSender)} with each cancel sent over a new plain connection to
   * {@code port}, which must close without a reply, as PostgreSQL closes a cancel connection.
   */
  public Message cancelUntilEnded(int port) throws IOException {
    return cancelUntilEnded(
        request -> {
          try (RawClient cancel = new RawClient(port)) {
            cancel.send(request);
            String answer = cancel.readErrorOrClose();
            if (!answer.equals("closed")) {
              throw new AssertionError("the cancel connection answered instead of closing: " + answer);
            }
          }
        });
  }

  /** Builds the CancelRequest for this session's key. */
  public byte[] cancelRequest() {
    return ByteBuffer.allocate(12 + secretKey.length)
        .putInt(12 + secretKey.length)
        .putInt(80877102)
        .putInt(processId)
        .put(secretKey)
        .array();
  }

  public Message read() throws IOException {
    char type = (char) in.readUnsignedByte();
    int length = in.readInt();
    byte[] body = new byte[length - 4];
    in.readFully(body);
    return new Message(type, body);
  }

  /** Reads one byte (the answer to SSLRequest), or -1 at the end of the stream. */
  public int readByte() throws IOException {
    return in.read();
  }

  /**
   * Reads what the proxy answers to a bad packet: an ErrorResponse, or nothing and the end of the
   * stream. Returns the error's SQLSTATE, or "closed".
   */
  public String readErrorOrClose() throws IOException {
    try {
      int type = in.read();
      if (type < 0) {
        return "closed";
      }
      if (type != 'E') {
        throw new IOException("expected ErrorResponse, got '" + (char) type + "'");
      }
      int length = in.readInt();
      byte[] body = new byte[length - 4];
      in.readFully(body);
      String code = new Message('E', body).fields().get('C');
      if (in.read() != -1) {
        throw new IOException("connection still open after FATAL error");
      }
      return code;
    } catch (EOFException e) {
      return "closed";
    } catch (SocketTimeoutException e) {
      throw new IOException("no answer and no close within the socket timeout", e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
