package io.pgmux.junit5.internal;

import io.pgmux.ProxyListener;
import io.pgmux.ProxyServer;
import io.pgmux.SessionInfo;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Remembers every session of one proxy, so tests can see where ended ones went. Thread-safe. */
final class SessionLog implements ProxyListener {
  private final ConcurrentSkipListMap<Long, SessionInfo> sessions = new ConcurrentSkipListMap<>();

  @Override
  public void sessionStarted(SessionInfo session) {
    sessions.putIfAbsent(session.id(), session);
  }

  @Override
  public void sessionEnded(SessionInfo session) {
    sessions.put(session.id(), session);
  }

  /** Returns every session, oldest first: open ones as {@code server} sees them now. */
  List<SessionInfo> all(ProxyServer server) {
    Map<Long, SessionInfo> merged = new TreeMap<>(sessions);
    // Open sessions as they are now, for current byte counts.
    for (SessionInfo live : server.sessions()) {
      merged.put(live.id(), live);
    }
    return List.copyOf(merged.values());
  }
}
