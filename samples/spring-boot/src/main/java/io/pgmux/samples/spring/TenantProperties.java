package io.pgmux.samples.spring;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The tenants and where each one's database is: {@code app.tenants.<tenant>.url}, with
 * {@code username} and {@code password} when the URL does not carry them. Behind pgMux every
 * tenant has the same host and port, and the user name picks the tenant's server.
 */
@ConfigurationProperties("app")
public record TenantProperties(Map<String, Tenant> tenants) {

  public TenantProperties {
    tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
  }

  /** Where one tenant's database is. */
  public record Tenant(String url, String username, String password) {}
}
