package io.pgmux.samples.spring;

import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.jdbc.datasource.lookup.AbstractRoutingDataSource;

/**
 * The application's one {@code DataSource}: it hands out connections from the current tenant's
 * own HikariCP pool ({@link TenantContext}). Code above it (JdbcClient, transactions) does not
 * know tenants exist.
 */
public final class TenantDataSource extends AbstractRoutingDataSource implements AutoCloseable {
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();

  public TenantDataSource(TenantProperties properties) {
    properties.tenants().forEach((name, tenant) -> pools.put(name, pool(name, tenant)));
    setTargetDataSources(Map.copyOf(pools));
    // No default: work without a tenant must fail, not land in some tenant's database.
    setLenientFallback(false);
    afterPropertiesSet();
  }

  private static HikariDataSource pool(String name, TenantProperties.Tenant tenant) {
    HikariDataSource pool =
        DataSourceBuilder.create()
            .type(HikariDataSource.class)
            .url(tenant.url())
            .username(tenant.username())
            .password(tenant.password())
            .build();
    pool.setPoolName("tenant-" + name);
    pool.setMaximumPoolSize(4);
    return pool;
  }

  /** Returns the pool of {@code tenant}, for work outside {@link TenantContext} (migrations). */
  public DataSource pool(String tenant) {
    DataSource pool = pools.get(tenant);
    if (pool == null) {
      throw new IllegalArgumentException("unknown tenant \"" + tenant + "\": known are " + pools.keySet());
    }
    return pool;
  }

  @Override
  protected Object determineCurrentLookupKey() {
    String tenant = TenantContext.current();
    if (tenant == null) {
      throw new IllegalStateException("no tenant: run database work inside TenantContext.call");
    }
    return tenant;
  }

  @Override
  public void close() {
    pools.values().forEach(HikariDataSource::close);
  }
}
