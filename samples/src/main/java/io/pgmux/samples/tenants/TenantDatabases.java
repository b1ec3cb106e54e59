package io.pgmux.samples.tenants;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * One connection pool per tenant, all through one pgMux address: the tenant is the user name the
 * pool logs in with, and pgMux sends it to that tenant's own server. The application holds a
 * single JDBC URL, however many servers the tenants live on.
 *
 * <p>{@link #migrate(String)} brings a tenant's schema up to date with the Flyway migrations in
 * {@code db/tenant}, in that tenant's own database.
 */
public final class TenantDatabases implements AutoCloseable {
  private final String jdbcUrl;
  private final Map<String, String> passwords;
  private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

  /**
   * @param jdbcUrl the proxy's URL, the same for every tenant
   * @param passwords each tenant's password (empty for servers that trust local connections)
   */
  public TenantDatabases(String jdbcUrl, Map<String, String> passwords) {
    this.jdbcUrl = jdbcUrl;
    this.passwords = Map.copyOf(passwords);
  }

  /** Returns the tenant's pool, created on first use. */
  public DataSource forTenant(String tenant) {
    if (!passwords.containsKey(tenant)) {
      throw new IllegalArgumentException("unknown tenant " + tenant);
    }
    return pools.computeIfAbsent(tenant, this::newPool);
  }

  private HikariDataSource newPool(String tenant) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("tenant-" + tenant);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(tenant);
    config.setPassword(passwords.get(tenant));
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  /** Applies the tenant migrations to the tenant's database; returns how many ran. */
  public int migrate(String tenant) {
    return Flyway.configure()
        .dataSource(forTenant(tenant))
        .locations("classpath:db/tenant")
        .load()
        .migrate()
        .migrationsExecuted;
  }

  @Override
  public void close() {
    pools.values().forEach(HikariDataSource::close);
    pools.clear();
  }
}
