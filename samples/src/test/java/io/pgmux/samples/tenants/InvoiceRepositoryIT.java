package io.pgmux.samples.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.SessionInfo;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Route;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The multi-tenant application against real PostgreSQL: each tenant on its own embedded server,
 * migrated by Flyway, reached through one pgMux URL by a pool per tenant.
 */
@PgMux(routes = {
    @Route(user = "acme", backend = "eu_server", database = "app"),
    @Route(user = "globex", backend = "us_server", database = "app")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvoiceRepositoryIT {
  private TenantDatabases databases;
  private InvoiceRepository invoices;

  @BeforeAll
  void migrateEveryTenant(PgMuxProxy mux) {
    // One URL for every tenant: the user name picks the server.
    String url = "jdbc:postgresql://" + mux.host() + ":" + mux.port() + "/app";
    databases = new TenantDatabases(url, Map.of("acme", "", "globex", ""));
    assertThat(databases.migrate("acme")).isEqualTo(3);
    assertThat(databases.migrate("globex")).isEqualTo(3);
    invoices = new InvoiceRepository(databases);
  }

  @AfterAll
  void closePools() {
    databases.close();
  }

  @Test
  void tenantsSeeOnlyTheirOwnInvoices() throws SQLException {
    long acmeInvoice = invoices.add("acme", "Wile E. Coyote", new BigDecimal("120.00"));
    invoices.add("acme", "Road Runner", new BigDecimal("5.50"));
    invoices.add("globex", "Hank Scorpio", new BigDecimal("1000.00"));

    assertThat(invoices.findAll("acme")).extracting(Invoice::customer).contains("Wile E. Coyote", "Road Runner")
        .doesNotContain("Hank Scorpio");
    assertThat(invoices.findAll("globex")).extracting(Invoice::customer).containsExactly("Hank Scorpio");

    assertThat(invoices.markPaid("acme", acmeInvoice)).isTrue();
    // The same id in another tenant's database is another invoice, or none.
    assertThat(invoices.outstanding("acme")).isEqualByComparingTo("5.50");
    assertThat(invoices.outstanding("globex")).isEqualByComparingTo("1000.00");
  }

  @Test
  void eachTenantLandsOnItsOwnServer(PgMuxProxy mux) throws SQLException {
    invoices.findAll("acme");
    invoices.findAll("globex");
    assertThat(mux.sessions("eu_server")).extracting(SessionInfo::user).containsOnly("acme");
    assertThat(mux.sessions("us_server")).extracting(SessionInfo::user).containsOnly("globex");
  }

  @Test
  void migrationsConstrainEveryTenant() {
    assertThatThrownBy(() -> invoices.add("globex", "Mr. Burns", new BigDecimal("-1")))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("check constraint");
  }
}
