package io.pgmux.internal.inspect;

import io.pgmux.Fault;
import io.pgmux.FaultHandle;
import io.pgmux.Faults;
import java.util.List;
import java.util.Objects;

/** The faults of a {@link io.pgmux.ProxyServer}: a view of its {@link FaultRegistry}. */
public final class LocalFaults implements Faults {
  private final FaultRegistry registry;

  public LocalFaults(FaultRegistry registry) {
    this.registry = registry;
  }

  @Override
  public FaultHandle add(String user, Fault fault) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(fault, "fault");
    return new Handle(registry.add(user, fault), registry);
  }

  @Override
  public List<FaultHandle> active() {
    return registry.active().stream().<FaultHandle>map(f -> new Handle(f, registry)).toList();
  }

  @Override
  public void clear() {
    registry.clear();
  }

  @Override
  public String toString() {
    return "Faults" + active();
  }

  /** One {@link ActiveFault} as the handle that removes it. */
  private record Handle(ActiveFault active, FaultRegistry registry) implements FaultHandle {
    @Override
    public String user() {
      return active.user();
    }

    @Override
    public Fault fault() {
      return active.fault();
    }

    @Override
    public int fired() {
      return active.fired();
    }

    @Override
    public boolean isActive() {
      return active.isActive();
    }

    @Override
    public void close() {
      registry.remove(active);
    }

    @Override
    public String toString() {
      return "FaultHandle[" + user() + ": " + fault() + ", fired " + fired()
          + (isActive() ? "" : ", inactive") + "]";
    }
  }
}
