package io.pgmux.internal.proxy;

import io.pgmux.ClientAuth;
import io.pgmux.internal.console.Console;
import java.util.Objects;

/**
 * The admin console: who may use it, how the proxy checks that user's password, the database name
 * that leads to it, and what it runs commands against.
 */
public record ConsoleSettings(String user, ClientAuth auth, String database, Console console) {
  public ConsoleSettings {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(console, "console");
  }
}
