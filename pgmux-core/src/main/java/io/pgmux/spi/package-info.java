/** Extension points for integrations: implement, register with ServiceLoader, and pgMux finds it. */
package io.pgmux.spi;
