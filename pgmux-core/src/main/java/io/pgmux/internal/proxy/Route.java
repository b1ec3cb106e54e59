package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.internal.protocol.ProxyError;
import java.net.InetSocketAddress;

/** The answer to a login's routing: a resolved backend, or the error the client gets instead. */
sealed interface Route {

  /** The client goes to {@code backend}, at the already resolved {@code address}. */
  record To(BackendConfig backend, InetSocketAddress address) implements Route {}

  /**
   * The login is refused.
   *
   * @param backend the backend the router chose, or null if it chose none
   */
  record Refused(BackendConfig backend, ProxyError error) implements Route {}
}
