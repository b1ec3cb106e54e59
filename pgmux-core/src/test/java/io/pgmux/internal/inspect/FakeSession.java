package io.pgmux.internal.inspect;

import io.pgmux.BackendConfig;
import io.pgmux.SessionInfo;
import io.pgmux.internal.tap.TappedSession;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A tapped session without sockets: records what was asked of it. */
final class FakeSession implements TappedSession {
  private static long ids;
  final SessionInfo info;
  int resumes;
  int cuts;
  final List<String> terminations = new ArrayList<>();

  FakeSession(String user) {
    info =
        new SessionInfo(
            ++ids,
            new InetSocketAddress("127.0.0.1", 40000),
            user,
            "app",
            BackendConfig.of("127.0.0.1", 5432).withDatabase("tenant_" + user),
            false,
            Instant.now(),
            0,
            0);
  }

  @Override
  public SessionInfo info() {
    return info;
  }

  @Override
  public void resume() {
    resumes++;
  }

  @Override
  public void terminate(String sqlState, String message) {
    terminations.add(sqlState + " " + message);
  }

  @Override
  public void cut() {
    cuts++;
  }
}
