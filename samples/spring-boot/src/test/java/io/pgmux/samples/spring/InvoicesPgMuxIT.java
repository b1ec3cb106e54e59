package io.pgmux.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.SessionInfo;
import io.pgmux.junit5.PgMuxExtension;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on two embedded PostgreSQL servers behind the in-JVM pgMux proxy: each
 * tenant's pool logs in through the proxy's one address, and its user name picks its server.
 */
// README-BEGIN
@SpringBootTest
@DirtiesContext // the servers live as long as the class: so must the pools that use them
class InvoicesPgMuxIT {

  @RegisterExtension
  static PgMuxExtension mux =
      PgMuxExtension.builder().route("acme", "acme_server").route("globex", "globex_server").build();

  @DynamicPropertySource
  static void tenants(DynamicPropertyRegistry registry) {
    // Suppliers: read when Spring starts the context, after the extension started the proxy.
    for (String tenant : List.of("acme", "globex")) {
      registry.add("app.tenants." + tenant + ".url", () -> mux.proxy().jdbcUrl(tenant));
    }
  }
  // README-END

  @Autowired InvoiceRepository invoices;

  @Test
  void eachTenantSeesOnlyItsOwnInvoices() throws Exception {
    TenantContext.call("acme", () -> invoices.add("Wile E. Coyote", new BigDecimal("99.90")));

    assertThat(TenantContext.call("acme", invoices::findAll))
        .extracting(Invoice::customer)
        .containsExactly("Wile E. Coyote");
    assertThat(TenantContext.call("globex", invoices::findAll)).isEmpty();
  }

  @Test
  void eachTenantsPoolReachesOnlyItsOwnServer() throws Exception {
    TenantContext.call("acme", invoices::findAll);
    TenantContext.call("globex", invoices::findAll);

    assertThat(mux.proxy().sessions("acme_server")).isNotEmpty().extracting(SessionInfo::user).containsOnly("acme");
    assertThat(mux.proxy().sessions("globex_server")).isNotEmpty().extracting(SessionInfo::user).containsOnly("globex");
  }

  @Test
  void workWithoutATenantFails() {
    assertThatThrownBy(invoices::findAll)
        .rootCause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no tenant");
  }
}
