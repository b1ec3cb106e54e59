package io.pgmux.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on PostgreSQL 17 and 15 containers behind a {@code PgMuxContainer}, as it
 * would run against a pgMux in front of real servers.
 */
@SpringBootTest
@DirtiesContext // the containers live as long as the class: so must the pools that use them
class InvoicesContainersIT {

  @RegisterExtension static TenantContainers containers = new TenantContainers();

  @DynamicPropertySource
  static void tenants(DynamicPropertyRegistry registry) {
    for (String tenant : TenantContainers.TENANTS) {
      registry.add("app.tenants." + tenant + ".url", () -> containers.proxy().getJdbcUrl(tenant));
      registry.add("app.tenants." + tenant + ".password", () -> containers.password(tenant));
    }
  }

  @Autowired InvoiceRepository invoices;
  @Autowired JdbcClient jdbc;

  @Test
  void eachTenantSeesOnlyItsOwnInvoicesOnItsOwnServer() throws Exception {
    TenantContext.call("acme", () -> invoices.add("Wile E. Coyote", new BigDecimal("99.90")));

    assertThat(TenantContext.call("acme", invoices::findAll)).hasSize(1);
    assertThat(TenantContext.call("globex", invoices::findAll)).isEmpty();
    assertThat(TenantContext.call("acme", this::serverMajorVersion)).isEqualTo(17);
    assertThat(TenantContext.call("globex", this::serverMajorVersion)).isEqualTo(15);
  }

  private int serverMajorVersion() {
    return jdbc.sql("SELECT current_setting('server_version_num')::int / 10000").query(Integer.class).single();
  }
}
