package io.pgmux.testcontainers.internal;

import io.pgmux.Fault;
import io.pgmux.FaultHandle;
import io.pgmux.Faults;
import io.pgmux.testcontainers.internal.ConsoleRows.FaultRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A proxy's faults, added and read through its admin console. The console knows a fault by id and
 * description only, so the {@link Fault} of each handle is the one added here: {@link #active()}
 * lists the faults added through this object (others, added with psql, say, are not shown).
 */
public final class ConsoleFaults implements Faults {
  private final Console console;
  /** The faults added here by console id, until dropped or cleared. */
  private final Map<Long, Handle> added = new ConcurrentHashMap<>();

  public ConsoleFaults(Console console) {
    this.console = console;
  }

  @Override
  public FaultHandle add(String user, Fault fault) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(fault, "fault");
    FaultRow row = console.query(ConsoleCommands.addFault(user, fault), ConsoleRows::fault).get(0);
    Handle handle = new Handle(row.id(), user, fault, row.fired(), row.active());
    if (row.active()) {
      added.put(row.id(), handle);
    }
    return handle;
  }

  @Override
  public List<FaultHandle> active() {
    List<FaultHandle> out = new ArrayList<>();
    for (FaultRow row : console.query("SHOW FAULTS", ConsoleRows::fault)) {
      Handle handle = added.get(row.id());
      if (handle != null && row.active()) {
        out.add(handle);
      }
    }
    return out;
  }

  @Override
  public void clear() {
    console.execute("CLEAR FAULTS");
    for (Handle handle : added.values()) {
      handle.removed = true;
    }
    added.clear();
  }

  @Override
  public String toString() {
    return "Faults[" + console + "]";
  }

  /** One fault; reads its state from the console on each call until it is removed. */
  private final class Handle implements FaultHandle {
    private final long id;
    private final String user;
    private final Fault fault;
    /** What the console last said; kept once the fault is gone from it. */
    private volatile int fired;
    private volatile boolean active;
    /** Dropped or cleared: the console no longer knows it. */
    private volatile boolean removed;

    Handle(long id, String user, Fault fault, int fired, boolean active) {
      this.id = id;
      this.user = user;
      this.fault = fault;
      this.fired = fired;
      this.active = active;
      this.removed = !active;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public Fault fault() {
      return fault;
    }

    @Override
    public int fired() {
      refresh();
      return fired;
    }

    @Override
    public boolean isActive() {
      refresh();
      return active;
    }

    private void refresh() {
      if (removed) {
        active = false;
        return;
      }
      FaultRow row = null;
      for (FaultRow r : console.query("SHOW FAULTS", ConsoleRows::fault)) {
        if (r.id() == id) {
          row = r;
        }
      }
      if (row == null) {
        // Cleared by someone else: what it did before stays the answer.
        removed = true;
        active = false;
      } else {
        fired = row.fired();
        active = row.active();
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (removed) {
          return;
        }
        refresh();
        if (removed) {
          return;
        }
        try {
          console.execute(ConsoleCommands.dropFault(id));
        } catch (IllegalArgumentException gone) {
          // 42704: cleared meanwhile; closing stays idempotent.
        }
        removed = true;
        active = false;
        added.remove(id);
      }
    }

    @Override
    public String toString() {
      return "FaultHandle[" + user + ": " + fault + ", fired " + fired
          + (active ? "" : ", inactive") + "]";
    }
  }
}
