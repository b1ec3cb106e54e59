package io.pgmux.internal.inspect;

import io.pgmux.Fault;
import io.pgmux.internal.tap.SessionTaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults on each user's route, and the user's live tapped sessions they act on. Thread-safe:
 * faults are added and removed by tests while event loops read them for every message.
 */
public final class FaultRegistry {
  private static final List<ActiveFault> NONE = List.of();

  private final ConcurrentHashMap<String, CopyOnWriteArrayList<ActiveFault>> byUser =
      new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<ActiveFault> all = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Set<SessionInspector>> sessions = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  /** Users whose sessions wait at their next statement (the admin console's PAUSE). */
  private final Set<String> paused = ConcurrentHashMap.newKeySet();

  /** Adds a fault; one that terminates sessions at once acts before this returns. */
  public ActiveFault add(String user, Fault fault) {
    ActiveFault active = new ActiveFault(ids.incrementAndGet(), user, fault);
    if (fault instanceof Fault.TerminateSessions t && t.afterStatements() == 0) {
      active.use();
      active.fired(terminateAll(user, t, null) - 1);
      return active;
    }
    byUser.computeIfAbsent(user, u -> new CopyOnWriteArrayList<>()).add(active);
    all.add(active);
    return active;
  }

  /** Removes a fault; the sessions a stall held go on. */
  public void remove(ActiveFault fault) {
    fault.deactivate();
    List<ActiveFault> list = byUser.get(fault.user());
    if (list != null) {
      list.remove(fault);
    }
    all.remove(fault);
    if (fault.fault() instanceof Fault.Stall) {
      for (SessionInspector s : sessionsOf(fault.user())) {
        s.resume();
      }
    }
  }

  public void clear() {
    for (ActiveFault f : new ArrayList<>(all)) {
      remove(f);
    }
  }

  /** Returns the faults still acting, oldest first. */
  public List<ActiveFault> active() {
    List<ActiveFault> out = new ArrayList<>();
    for (ActiveFault f : all) {
      if (f.isActive()) {
        out.add(f);
      }
    }
    return out;
  }

  /** Returns the faults not removed, used up or not, oldest first. */
  public List<ActiveFault> listed() {
    return List.copyOf(all);
  }

  /** Returns the fault numbered {@code id} that was not removed, or null. */
  public ActiveFault byId(long id) {
    for (ActiveFault f : all) {
      if (f.id() == id) {
        return f;
      }
    }
    return null;
  }

  /**
   * Holds each live and new session of {@code user} at its next statement: a simple query, or
   * the first message of an extended-protocol batch. What was sent before goes on.
   */
  public void pause(String user) {
    paused.add(user);
  }

  /** Lets the sessions of {@code user} go on; nothing happens if they were not paused. */
  public void resume(String user) {
    // Unpaused first: a session that held a message before this line is resumed below, and one
    // that looks after it sees the user unpaused.
    if (paused.remove(user)) {
      for (SessionInspector s : sessionsOf(user)) {
        s.resume();
      }
    }
  }

  /** Returns whether {@code user}'s sessions are paused; cheap, for every message. */
  public boolean isPaused(String user) {
    return !paused.isEmpty() && paused.contains(user);
  }

  /** Returns the faults on {@code user}'s route; cheap, for every message. */
  List<ActiveFault> of(String user) {
    List<ActiveFault> list = byUser.get(user);
    return list == null ? NONE : list;
  }

  /** Returns the refusal for a new login of {@code user}, or null to let it in. */
  SessionTaps.Refusal admit(String user) {
    for (ActiveFault f : of(user)) {
      if (f.fault() instanceof Fault.RefuseLogins r && f.use()) {
        return new SessionTaps.Refusal(r.sqlState(), r.message());
      }
    }
    return null;
  }

  void opened(SessionInspector session) {
    sessions.computeIfAbsent(session.user(), u -> ConcurrentHashMap.newKeySet()).add(session);
  }

  void ended(SessionInspector session) {
    Set<SessionInspector> set = sessions.get(session.user());
    if (set != null) {
      set.remove(session);
    }
  }

  private Set<SessionInspector> sessionsOf(String user) {
    Set<SessionInspector> set = sessions.get(user);
    return set == null ? Set.of() : set;
  }

  /** Terminates every live session of {@code user} but {@code except}; returns how many. */
  int terminateAll(String user, Fault.TerminateSessions how, SessionInspector except) {
    int n = 0;
    for (SessionInspector s : sessionsOf(user)) {
      if (s != except) {
        s.terminate(how);
        n++;
      }
    }
    return n;
  }
}
