package io.pgmux.samples.tenants;

import java.math.BigDecimal;

/** An invoice of one tenant. */
public record Invoice(long id, String customer, BigDecimal amount, String status) {}
