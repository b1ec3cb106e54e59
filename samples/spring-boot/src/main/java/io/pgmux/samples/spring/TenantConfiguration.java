package io.pgmux.samples.spring;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Replaces Spring Boot's single {@code DataSource} with the tenant-routing one, and brings every
 * tenant's database to the current schema at start-up.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TenantProperties.class)
class TenantConfiguration {

  @Bean
  TenantDataSource dataSource(TenantProperties properties) {
    TenantDataSource dataSource = new TenantDataSource(properties);
    ResourceDatabasePopulator schema =
        new ResourceDatabasePopulator(new ClassPathResource("db/tenant-schema.sql"));
    for (String tenant : properties.tenants().keySet()) {
      DatabasePopulatorUtils.execute(schema, dataSource.pool(tenant));
    }
    return dataSource;
  }
}
