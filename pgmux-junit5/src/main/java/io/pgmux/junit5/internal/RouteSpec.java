package io.pgmux.junit5.internal;

import io.pgmux.BackendConfig;
import io.pgmux.junit5.Route;

/**
 * One declared route, with empty annotation values turned into {@code null}.
 *
 * @param user the client's user name
 * @param backend the backend's name
 * @param backendUser the user to present to the backend, or {@code null} to keep the source's
 * @param database the database to present to the backend, or {@code null} to keep the source's
 */
public record RouteSpec(String user, String backend, String backendUser, String database) {

  /** Normalises empty names to {@code null}; validity is checked with the whole setup. */
  public RouteSpec {
    backendUser = emptyToNull(backendUser);
    database = emptyToNull(database);
  }

  static RouteSpec of(Route route) {
    return new RouteSpec(route.user(), route.backend(), route.backendUser(), route.database());
  }

  /**
   * Applies this route's rewrites on top of where its backend is, keeping how it is reached (TLS,
   * the proxy's password and client authentication).
   */
  BackendConfig applyTo(BackendConfig base) {
    return base.withUser(backendUser != null ? backendUser : base.user())
        .withDatabase(database != null ? database : base.database());
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  @Override
  public String toString() {
    return "@Route(user = \"" + user + "\", backend = \"" + backend + "\""
        + (backendUser == null ? "" : ", backendUser = \"" + backendUser + "\"")
        + (database == null ? "" : ", database = \"" + database + "\"")
        + ")";
  }
}
