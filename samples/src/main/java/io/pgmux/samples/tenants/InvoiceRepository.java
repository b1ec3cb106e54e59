package io.pgmux.samples.tenants;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Invoices, kept apart by tenant: every method takes the tenant and works in that tenant's
 * database only. Plain JDBC; the isolation comes from where pgMux routes each tenant.
 */
public final class InvoiceRepository {
  private final TenantDatabases databases;

  public InvoiceRepository(TenantDatabases databases) {
    this.databases = databases;
  }

  /** Records an open invoice; returns its id. */
  public long add(String tenant, String customer, BigDecimal amount) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO invoice (customer, amount) VALUES (?, ?) RETURNING id")) {
      insert.setString(1, customer);
      insert.setBigDecimal(2, amount);
      try (ResultSet rs = insert.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Marks an invoice paid; returns whether the tenant has such an invoice. */
  public boolean markPaid(String tenant, long id) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection();
        PreparedStatement update = c.prepareStatement("UPDATE invoice SET status = 'paid' WHERE id = ?")) {
      update.setLong(1, id);
      return update.executeUpdate() == 1;
    }
  }

  public List<Invoice> findAll(String tenant) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection();
        PreparedStatement select =
            c.prepareStatement("SELECT id, customer, amount, status FROM invoice ORDER BY id");
        ResultSet rs = select.executeQuery()) {
      List<Invoice> invoices = new ArrayList<>();
      while (rs.next()) {
        invoices.add(new Invoice(rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getString(4)));
      }
      return invoices;
    }
  }

  /** Returns what the tenant's customers still owe. */
  public BigDecimal outstanding(String tenant) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection();
        PreparedStatement sum =
            c.prepareStatement("SELECT coalesce(sum(amount), 0) FROM invoice WHERE status = 'open'");
        ResultSet rs = sum.executeQuery()) {
      rs.next();
      return rs.getBigDecimal(1);
    }
  }
}
