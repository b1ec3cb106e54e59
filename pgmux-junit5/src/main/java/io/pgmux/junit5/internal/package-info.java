/** The extension's machinery: not API, changes without notice. */
package io.pgmux.junit5.internal;
