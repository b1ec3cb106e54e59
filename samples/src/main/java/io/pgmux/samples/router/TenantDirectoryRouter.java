package io.pgmux.samples.router;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.Router;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A router that asks a tenant directory over HTTP where each user lives, and remembers the answer
 * for a while.
 *
 * <p>{@code GET {base}/tenants/{user}} answers 200 with properties ({@code host}, {@code port},
 * and optionally {@code user} and {@code database}), or 404 for an unknown user. A 404 becomes
 * "no route" (the client gets SQLSTATE 28000); any other failure throws, and the client gets
 * 08004. pgMux calls routers on its own threads with a timeout, so blocking on HTTP is fine.
 */
public final class TenantDirectoryRouter implements Router {
  private final URI base;
  private final Duration ttl;
  private final Clock clock;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(BackendConfig backend, Instant expires) {}

  public TenantDirectoryRouter(URI base, Duration ttl) {
    this(base, ttl, Clock.systemUTC());
  }

  TenantDirectoryRouter(URI base, Duration ttl, Clock clock) {
    this.base = base;
    this.ttl = ttl;
    this.clock = clock;
  }

  @Override
  public BackendConfig route(RouteRequest request) throws IOException, InterruptedException {
    Cached cached = cache.get(request.user());
    if (cached != null && clock.instant().isBefore(cached.expires())) {
      return cached.backend();
    }
    BackendConfig backend = ask(request.user());
    if (backend != null) {
      cache.put(request.user(), new Cached(backend, clock.instant().plus(ttl)));
    }
    return backend;
  }

  /** Forgets what the directory said about {@code user}, as after a tenant moved. */
  public void evict(String user) {
    cache.remove(user);
  }

  private BackendConfig ask(String user) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("tenants/" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(2))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 404) {
      return null;
    }
    if (response.statusCode() != 200) {
      throw new IOException("tenant directory answered " + response.statusCode() + " for " + user);
    }
    Properties route = new Properties();
    route.load(new StringReader(response.body()));
    return new BackendConfig(
        route.getProperty("host"),
        Integer.parseInt(route.getProperty("port")),
        route.getProperty("user"),
        route.getProperty("database"));
  }
}
