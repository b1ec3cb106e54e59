package io.pgmux.internal.inspect;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyListener;
import io.pgmux.RouteRequest;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tap.TappedSession;

/**
 * The proxy's source of taps when the statement journal or faults are on: one {@link
 * SessionInspector} per session. Without either, the proxy installs none and sessions stay blind
 * byte pumps.
 */
public final class Inspection implements SessionTaps {
  private final StatementLog journal;
  private final boolean withParameters;
  private final ProxyListener listener;
  private final FaultRegistry faults;

  /**
   * @param journal where finished statements go, or null for no journal
   * @param withParameters whether entries carry Bind parameter values
   * @param listener told of each finished statement, or null
   * @param faults the faults on users' routes, or null for none
   */
  public Inspection(StatementLog journal, boolean withParameters, ProxyListener listener,
      FaultRegistry faults) {
    this.journal = journal;
    this.withParameters = withParameters;
    this.listener = listener;
    this.faults = faults;
  }

  @Override
  public Refusal admit(RouteRequest request, BackendConfig backend) {
    return faults == null ? null : faults.admit(request.user());
  }

  @Override
  public MessageTap open(TappedSession session) {
    SessionInspector inspector =
        new SessionInspector(session, journal, withParameters, listener, faults);
    if (faults != null) {
      faults.opened(inspector);
    }
    return inspector;
  }
}
