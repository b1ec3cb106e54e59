package io.pgmux.samples.spring;

import io.pgmux.testcontainers.PgMuxContainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A PostgreSQL container per tenant (17 for acme, 15 for globex) and a {@code PgMuxContainer}
 * routing to them, on one network, for one test class. They are stopped after Spring has closed
 * the class's context (JUnit closes the store after every {@code afterAll}), so pools never
 * outlive their servers.
 *
 * <p>Without a Docker engine the class is skipped, or fails when {@code PGMUX_REQUIRE_DOCKER=true}
 * (as in pgMux's CI). Images come from the {@code PGMUX_CI_*} variables when set (a CI without a
 * registry builds its own), else from Docker Hub.
 */
final class TenantContainers implements BeforeAllCallback {
  static final List<String> TENANTS = List.of("acme", "globex");

  private volatile PgMuxContainer proxy;
  private volatile Map<String, PostgreSQLContainer> databases;

  @Override
  @SuppressWarnings({"deprecation", "resource"}) // CloseableResource: JUnit 5.12 (Spring Boot 3.5) closes only these
  public void beforeAll(ExtensionContext context) {
    requireDocker();
    Network network = Network.newNetwork();
    PostgreSQLContainer acme = database("PGMUX_CI_POSTGRES17_IMAGE", "postgres:17", network, "acme-db");
    PostgreSQLContainer globex = database("PGMUX_CI_POSTGRES_IMAGE", "postgres:15", network, "globex-db");
    PgMuxContainer mux =
        new PgMuxContainer(DockerImageName.parse(env("PGMUX_CI_JRE_IMAGE", PgMuxContainer.DEFAULT_JRE_IMAGE)))
            .withNetwork(network)
            .withRoute("acme", acme)
            .withRoute("globex", globex);
    ExtensionContext.Store.CloseableResource stop =
        () -> {
          mux.stop();
          acme.stop();
          globex.stop();
          network.close();
        };
    context.getStore(ExtensionContext.Namespace.create(TenantContainers.class)).put("containers", stop);
    mux.start(); // starts the databases first
    databases = Map.of("acme", acme, "globex", globex);
    proxy = mux;
  }

  /** Returns the running proxy container. */
  PgMuxContainer proxy() {
    return proxy;
  }

  /** Returns the password of the tenant's database, which clients give through the proxy. */
  String password(String tenant) {
    return databases.get(tenant).getPassword();
  }

  private static PostgreSQLContainer database(String variable, String image, Network network, String alias) {
    return new PostgreSQLContainer(DockerImageName.parse(env(variable, image)).asCompatibleSubstituteFor("postgres"))
        .withNetwork(network)
        .withNetworkAliases(alias);
  }

  private static void requireDocker() {
    if (DockerClientFactory.instance().isDockerAvailable()) {
      return;
    }
    String reason = "no Docker engine found (set DOCKER_HOST)";
    if (Boolean.parseBoolean(System.getenv("PGMUX_REQUIRE_DOCKER"))) {
      throw new IllegalStateException("PGMUX_REQUIRE_DOCKER=true but " + reason);
    }
    Assumptions.abort("skipped: " + reason);
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
