package io.pgmux.samples.tenants;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.Optional;
import java.util.UUID;

/**
 * Creates invoices so that none is lost and none is written twice, whatever the database does in
 * between: the two pieces of resilience code a multi-tenant application needs, and that tests can
 * reach only by making PostgreSQL fail on purpose (see {@code InvoiceServiceIT}).
 *
 * <ul>
 *   <li><b>Serialization failures are retried.</b> An invoice is created in a SERIALIZABLE
 *       transaction, which PostgreSQL may abort with SQLSTATE 40001 (or 40P01, deadlock) when
 *       it collides with another; the whole transaction is then redone, at most {@code
 *       maxAttempts} times in all.
 *   <li><b>A broken connection is not taken for a failure.</b> If the connection breaks (SQLSTATE
 *       class 08) while COMMIT is on its way, the invoice may or may not have been committed. The
 *       service asks the database on a new connection, by the invoice's idempotency key, before
 *       it decides to try again.
 * </ul>
 *
 * <p>Thread-safe: it keeps no state beyond the tenants' pools.
 */
public final class InvoiceService {
  private final TenantDatabases databases;
  private final BigDecimal creditLimit;
  private final int maxAttempts;

  /**
   * @param creditLimit how much one customer may owe in open invoices
   * @param maxAttempts how many times to run the transaction of one invoice at most
   */
  public InvoiceService(TenantDatabases databases, BigDecimal creditLimit, int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts " + maxAttempts + " is below 1");
    }
    this.databases = databases;
    this.creditLimit = creditLimit;
    this.maxAttempts = maxAttempts;
  }

  /**
   * Creates the invoice the client means by {@code idempotencyKey}, or returns it if it exists
   * already (a request repeated after its answer was lost).
   *
   * @throws CreditLimitExceededException if the customer would owe more than the credit limit
   * @throws SQLTransactionRollbackException if every attempt failed with a serialization failure
   *     or a broken connection; nothing was written
   * @throws SQLException on any other database error, at once: retrying would not help
   */
  public Invoice create(String tenant, UUID idempotencyKey, String customer, BigDecimal amount)
      throws SQLException {
    SQLException last = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return createOnce(tenant, idempotencyKey, customer, amount);
      } catch (SQLException e) {
        if (isConnectionFailure(e) || isDuplicate(e)) {
          // A connection that broke while COMMIT was on its way leaves the outcome unknown: the
          // backend may have committed before the answer was lost. A duplicate key means an
          // earlier request with this key got through. Either way, ask the database, on a new
          // connection (the pool drops the broken one). If it cannot answer, neither can we.
          Optional<Invoice> written = find(tenant, idempotencyKey);
          if (written.isPresent()) {
            return written.get();
          }
          if (isDuplicate(e)) {
            throw e; // another unique constraint: a real error
          }
          // Not there: nothing was committed, and redoing the transaction is safe.
        } else if (!isSerializationFailure(e)) {
          throw e;
        }
        // Redone at once, as PostgreSQL's documentation suggests; the collision has passed.
        last = e;
      }
    }
    throw new SQLTransactionRollbackException(
        "invoice " + idempotencyKey + " of tenant " + tenant + " not created: " + maxAttempts
            + " attempts failed, the last with SQLSTATE " + last.getSQLState() + " (" + last.getMessage() + ")",
        last.getSQLState(), last);
  }

  /** Returns the tenant's invoice created with {@code idempotencyKey}, if there is one. */
  public Optional<Invoice> find(String tenant, UUID idempotencyKey) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection();
        PreparedStatement select = c.prepareStatement(
            "SELECT id, customer, amount, status FROM invoice WHERE idempotency_key = ?")) {
      select.setObject(1, idempotencyKey);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next()
            ? Optional.of(new Invoice(rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getString(4)))
            : Optional.empty();
      }
    }
  }

  /** One attempt: one transaction, committed or rolled back. */
  private Invoice createOnce(String tenant, UUID key, String customer, BigDecimal amount) throws SQLException {
    try (Connection c = databases.forTenant(tenant).getConnection()) {
      // SERIALIZABLE because the credit check reads what concurrent invoices write: two of them
      // for one customer could each see the old balance and pass together (write skew). Here
      // PostgreSQL aborts one of them with 40001 instead, and it is redone.
      c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
      c.setAutoCommit(false);
      try {
        long id;
        // Inserted first: a repeated request stops here, on the key's unique constraint.
        try (PreparedStatement insert = c.prepareStatement(
            "INSERT INTO invoice (customer, amount, idempotency_key) VALUES (?, ?, ?) RETURNING id")) {
          insert.setString(1, customer);
          insert.setBigDecimal(2, amount);
          insert.setObject(3, key);
          try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
        }
        BigDecimal owed = owed(c, customer);
        if (owed.compareTo(creditLimit) > 0) {
          throw new CreditLimitExceededException(customer, owed, creditLimit);
        }
        c.commit();
        return new Invoice(id, customer, amount, "open");
      } catch (SQLException | RuntimeException e) {
        rollback(c, e);
        throw e;
      }
    }
  }

  private static BigDecimal owed(Connection c, String customer) throws SQLException {
    try (PreparedStatement sum = c.prepareStatement(
        "SELECT coalesce(sum(amount), 0) FROM invoice WHERE customer = ? AND status = 'open'")) {
      sum.setString(1, customer);
      try (ResultSet rs = sum.executeQuery()) {
        rs.next();
        return rs.getBigDecimal(1);
      }
    }
  }

  private static void rollback(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e); // a broken connection cannot roll back; PostgreSQL does it for us
    }
  }

  static boolean isSerializationFailure(SQLException e) {
    return "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
  }

  static boolean isConnectionFailure(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("08");
  }

  static boolean isDuplicate(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  /** Thrown when an invoice would put its customer over the credit limit; nothing is written. */
  public static final class CreditLimitExceededException extends RuntimeException {
    CreditLimitExceededException(String customer, BigDecimal owed, BigDecimal limit) {
      super("customer " + customer + " would owe " + owed + ", over the credit limit of " + limit);
    }
  }
}
