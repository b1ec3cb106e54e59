/**
 * Template databases prepared once and cloned per class or test, on any server reachable with a
 * superuser connection. Not API.
 */
package io.pgmux.junit5.internal.refresh;
