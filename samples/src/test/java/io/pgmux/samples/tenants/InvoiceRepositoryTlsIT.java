package io.pgmux.samples.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.SessionInfo;
import io.pgmux.TlsConfig;
import io.pgmux.junit5.PgMuxExtension;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.test.TestTls;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same application with TLS required between it and the proxy, and the proxy's certificate
 * verified ({@code sslmode=verify-full}), configured in code with {@link PgMuxExtension}.
 */
class InvoiceRepositoryTlsIT {
  @RegisterExtension
  static PgMuxExtension mux =
      PgMuxExtension.builder()
          .tls(TlsConfig.pem(TestTls.file("rsa.crt"), TestTls.file("rsa-pkcs8.key")).required())
          .route("acme", "eu_server", null, "app")
          .route("globex", "us_server", null, "app")
          .build();

  @Test
  void worksOverVerifiedTls(PgMuxProxy proxy) throws Exception {
    String url = "jdbc:postgresql://localhost:" + proxy.port() + "/app"
        + "?sslmode=verify-full&sslrootcert=" + TestTls.file("rsa.crt");
    try (TenantDatabases databases = new TenantDatabases(url, Map.of("acme", "", "globex", ""))) {
      databases.migrate("acme");
      databases.migrate("globex");
      InvoiceRepository invoices = new InvoiceRepository(databases);
      invoices.add("acme", "Wile E. Coyote", new BigDecimal("42.00"));
      assertThat(invoices.outstanding("acme")).isEqualByComparingTo("42.00");
      assertThat(invoices.outstanding("globex")).isEqualByComparingTo("0");
    }
    assertThat(proxy.sessions()).isNotEmpty().allSatisfy(s -> assertThat(s.tls()).isTrue());
    assertThat(proxy.sessions("us_server")).extracting(SessionInfo::user).containsOnly("globex");
  }
}
