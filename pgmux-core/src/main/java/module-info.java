module io.pgmux {
  requires java.logging;
  exports io.pgmux;
  exports io.pgmux.spi;
}
