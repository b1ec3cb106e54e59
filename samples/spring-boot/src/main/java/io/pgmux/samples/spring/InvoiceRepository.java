package io.pgmux.samples.spring;

import java.math.BigDecimal;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The current tenant's invoices, in the tenant's own database. */
@Repository
public class InvoiceRepository {
  private final JdbcClient jdbc;

  InvoiceRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Adds an invoice and returns its id. */
  public long add(String customer, BigDecimal amount) {
    return jdbc.sql("INSERT INTO invoice (customer, amount) VALUES (?, ?) RETURNING id")
        .params(customer, amount)
        .query(Long.class)
        .single();
  }

  public List<Invoice> findAll() {
    return jdbc.sql("SELECT id, customer, amount FROM invoice ORDER BY id").query(Invoice.class).list();
  }
}
