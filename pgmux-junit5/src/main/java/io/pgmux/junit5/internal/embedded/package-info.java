/**
 * Embedded PostgreSQL servers for backends no field names: starting and stopping them, the
 * initdb templates that make starting fast, and the per-JVM workspace they live in. Not API.
 */
package io.pgmux.junit5.internal.embedded;
