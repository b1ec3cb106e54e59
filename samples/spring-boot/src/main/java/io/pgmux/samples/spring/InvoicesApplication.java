package io.pgmux.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application with a database per tenant: each tenant's invoices live in its own
 * database, reached through one pool per tenant (see {@link TenantDataSource}).
 */
@SpringBootApplication
public class InvoicesApplication {
  public static void main(String[] args) {
    SpringApplication.run(InvoicesApplication.class, args);
  }
}
