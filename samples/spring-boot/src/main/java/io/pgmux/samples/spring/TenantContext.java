package io.pgmux.samples.spring;

import java.util.concurrent.Callable;

/**
 * The tenant the current thread works for. A web application would set it per request (from a
 * header or the signed-in user); here callers wrap their work in {@link #call}.
 */
public final class TenantContext {
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private TenantContext() {}

  /** Runs {@code work} for {@code tenant}, then restores the previous tenant. */
  public static <T> T call(String tenant, Callable<T> work) throws Exception {
    String previous = CURRENT.get();
    CURRENT.set(tenant);
    try {
      return work.call();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** Returns the current tenant, or null outside {@link #call}. */
  public static String current() {
    return CURRENT.get();
  }
}
