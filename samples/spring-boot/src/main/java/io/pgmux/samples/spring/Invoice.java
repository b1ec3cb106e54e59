package io.pgmux.samples.spring;

import java.math.BigDecimal;

/** An invoice of the current tenant. */
public record Invoice(long id, String customer, BigDecimal amount) {}
