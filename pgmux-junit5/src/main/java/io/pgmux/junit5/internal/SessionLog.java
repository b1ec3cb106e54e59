package io.pgmux.junit5.internal;

import io.pgmux.ProxyListener;
import io.pgmux.ProxyServer;
import io.pgmux.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Remembers every session of one proxy, so tests can see where ended ones went, and shows the
 * sessions of the current test: those open at some moment since it began. Thread-safe.
 */
final class SessionLog implements ProxyListener {
  private final ConcurrentSkipListMap<Long, SessionInfo> sessions = new ConcurrentSkipListMap<>();
  /** Sessions that ended before this are not the current test's. */
  private volatile Instant viewFrom = Instant.MIN;

  @Override
  public void sessionStarted(SessionInfo session) {
    sessions.putIfAbsent(session.id(), session);
  }

  @Override
  public void sessionEnded(SessionInfo session) {
    sessions.put(session.id(), session);
    synchronized (this) {
      notifyAll(); // only waiters of awaitEnded, who return at once: never blocks the I/O thread
    }
  }

  /** Starts the view of a new test: sessions that ended before now drop out of it. */
  void beginView() {
    viewFrom = Instant.now();
  }

  /**
   * Returns the current test's sessions, oldest first: ended ones with their final counts, open
   * ones as {@code server} sees them now.
   */
  List<SessionInfo> view(ProxyServer server) {
    // Live first: a session missing from it afterwards has ended, and then the log has it.
    Map<Long, SessionInfo> live =
        server.sessions().stream().collect(Collectors.toMap(SessionInfo::id, Function.identity()));
    Instant from = viewFrom;
    List<SessionInfo> view = new ArrayList<>();
    for (SessionInfo logged : sessions.values()) {
      SessionInfo current = logged.isOpen() ? live.getOrDefault(logged.id(), logged) : logged;
      if (current.isOpen() || !current.endedAt().isBefore(from)) {
        view.add(current);
      }
    }
    return List.copyOf(view);
  }

  /**
   * Waits until no session matching {@code which} is open, at most {@code timeout}; returns the
   * matching sessions of the current test.
   *
   * @throws IllegalStateException if some are still open then, naming them
   */
  List<SessionInfo> awaitEnded(
      Predicate<SessionInfo> which, Duration timeout, String what, ProxyServer server) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        List<SessionInfo> open =
            sessions.values().stream().filter(SessionInfo::isOpen).filter(which).toList();
        if (open.isEmpty()) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "pgmux: " + open.size() + " session(s) of " + what + " still open after "
                  + timeout.toMillis() + " ms: " + open
                  + ". Close their connections (and pools) before waiting");
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("pgmux: interrupted while waiting for " + what, e);
        }
      }
    }
    return view(server).stream().filter(which).toList();
  }
}
