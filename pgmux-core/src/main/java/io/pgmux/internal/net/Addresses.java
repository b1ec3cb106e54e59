package io.pgmux.internal.net;

import java.net.InetSocketAddress;
import java.util.Objects;

/** Parses the socket addresses users write in configuration. */
public final class Addresses {
  private Addresses() {}

  /** Parses {@code host:port}, {@code [ipv6]:port} or {@code :port}; {@code what} names it in errors. */
  public static InetSocketAddress parse(String what, String listen) {
    Objects.requireNonNull(listen, what);
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\" has no port: use host:port or :port");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\": port is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\": port " + port + " is outside 0..65535");
    }
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }
}
