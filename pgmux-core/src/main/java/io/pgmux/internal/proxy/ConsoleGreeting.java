package io.pgmux.internal.proxy;

import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the admin console tells a client after AuthenticationOk, as a backend would: the
 * parameters drivers look for, and cancel keys. The keys are random and lead nowhere, so a cancel
 * request with them does nothing; a console command is over before a cancel could reach it.
 *
 * @param reported the ParameterStatus messages, in order
 */
record ConsoleGreeting(Map<String, String> reported, int processId, int secret) {
  /** A version pgjdbc and libpq parse as PostgreSQL 16, saying what answers. */
  static final String SERVER_VERSION = "16.0 (pgMux console)";
  private static final SecureRandom RANDOM = new SecureRandom();

  static ConsoleGreeting of(StartupMessage startup) {
    Map<String, String> reported = new LinkedHashMap<>();
    reported.put("server_version", SERVER_VERSION);
    reported.put("server_encoding", "UTF8");
    reported.put("client_encoding", "UTF8");
    reported.put("DateStyle", "ISO, MDY");
    reported.put("integer_datetimes", "on");
    reported.put("standard_conforming_strings", "on");
    reported.put("TimeZone", "UTC");
    reported.put("application_name", startup.parameters().getOrDefault("application_name", ""));
    return new ConsoleGreeting(reported, RANDOM.nextInt() & 0x7fffffff, RANDOM.nextInt());
  }

  /** The reported parameters by lower-case name, for {@code SHOW name}. */
  Map<String, String> byName() {
    Map<String, String> byName = new LinkedHashMap<>();
    reported.forEach((name, value) -> byName.put(name.toLowerCase(Locale.ROOT), value));
    return byName;
  }
}
