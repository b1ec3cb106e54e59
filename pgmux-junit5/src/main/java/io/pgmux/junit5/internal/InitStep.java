package io.pgmux.junit5.internal;

import io.pgmux.junit5.BackendInit;

/** One way to prepare a new embedded server: a script or a callback. */
public sealed interface InitStep {

  /** A SQL script, the classpath resource {@code resource}, read when the server has started. */
  record Script(String resource) implements InitStep {
    @Override
    public String toString() {
      return "init script \"" + resource + "\"";
    }
  }

  /** A {@link BackendInit} given in code. */
  record Callback(BackendInit init) implements InitStep {
    @Override
    public String toString() {
      return "BackendInit " + init;
    }
  }
}
