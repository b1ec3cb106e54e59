package io.pgmux.samples.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.testcontainers.DockerRequired;
import io.pgmux.testcontainers.PgMuxContainer;
import io.pgmux.testcontainers.TestImages;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The multi-tenant application against PostgreSQL in Docker: two tenant containers of different
 * versions, and pgMux in a container beside them on one network.
 */
@ExtendWith(DockerRequired.class)
class InvoiceRepositoryContainersIT {

  @Test
  void tenantsOnTwoContainersBehindOneProxyContainer() throws Exception {
    try (Network network = Network.newNetwork();
        PostgreSQLContainer acmeDb =
            new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("acme-db")
                .withDatabaseName("app").withPassword("tenant-secret");
        PostgreSQLContainer globexDb =
            new PostgreSQLContainer(TestImages.postgres15()).withNetwork(network).withNetworkAliases("globex-db")
                .withDatabaseName("app").withPassword("tenant-secret");
        PgMuxContainer mux =
            new PgMuxContainer(TestImages.jre())
                .withNetwork(network)
                .withRoute("acme", acmeDb)
                .withRoute("globex", globexDb)) {
      mux.start(); // starts both databases first

      String url = "jdbc:postgresql://" + mux.getHost() + ":" + mux.getMappedPort(PgMuxContainer.PROXY_PORT) + "/app";
      try (TenantDatabases databases =
          new TenantDatabases(url, Map.of("acme", "tenant-secret", "globex", "tenant-secret"))) {
        databases.migrate("acme");
        databases.migrate("globex");
        InvoiceRepository invoices = new InvoiceRepository(databases);
        invoices.add("acme", "Wile E. Coyote", new BigDecimal("99.90"));
        assertThat(invoices.findAll("acme")).hasSize(1);
        assertThat(invoices.findAll("globex")).isEmpty();
      }
    }
  }
}
