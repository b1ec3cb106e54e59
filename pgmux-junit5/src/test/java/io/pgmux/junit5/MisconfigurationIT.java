package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.pgmux.BackendConfig;
import java.util.function.Predicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.Events;

/**
 * Misconfigured classes fail before any test runs, with a message that says how to fix them, and
 * leave nothing running. Most fail before a server starts, so this class is quick.
 */
class MisconfigurationIT {

  @Test
  void duplicateUser() {
    assertClassFails(DuplicateUser.class, "duplicate user \"alice\"", "give the second tenant its own user name");
  }

  @Test
  void backendFieldThatNoRouteNames() {
    assertClassFails(
        UnusedBackendField.class,
        "unknown backend \"tenant-a\"",
        "field UnusedBackendField.a declares it",
        "routes name [tenant_a]");
  }

  @Test
  void backendFieldOfAnUnsupportedType() {
    assertClassFails(
        UnsupportedFieldType.class,
        "backend \"tenant_a\" (field UnsupportedFieldType.a) is a java.lang.String",
        "use an io.pgmux.BackendConfig",
        "pgmux-testcontainers");
  }

  @Test
  void nullBackendField() {
    assertClassFails(NullBackendField.class, "backend \"tenant_a\" (field NullBackendField.a) is null");
  }

  @Test
  void misspeltServerSettingFailsAtOnceQuotingTheServer() {
    long started = System.nanoTime();
    assertClassFails(
        MisspeltServerSetting.class,
        "embedded PostgreSQL for backend \"tenant_a\"",
        "refused to start: FATAL: unrecognized configuration parameter \"max_conections\"",
        "{max_conections=50}",
        "fix the setting's name or value");
    // initdb (or copying the template) and the failed start; zonky alone would wait 120 s.
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(30));
  }

  @Test
  void misspeltBackendNameNextToABackendField() {
    assertClassFails(
        MisspeltBackend.class,
        "names backend \"tennat_a\", which no field or builder backend declares",
        "\"tenant_a\" is declared (field MisspeltBackend.a",
        "Fix the route's backend name");
  }

  @Test
  void missingInitScriptFailsBeforeAnyServerStarts() {
    assertClassFails(
        MissingInitScript.class,
        "init script \"/no/such/script.sql\" of " + MissingInitScript.class.getName()
            + " is not on the classpath",
        "src/test/resources");
  }

  @Test
  void failingInitQuotesPostgres() {
    assertClassFails(
        FailingInit.class,
        "pgmux: BackendInit ",
        "failed in embedded PostgreSQL \"db\"",
        "database \"template1\"",
        "no_such_table");
  }

  @Test
  void initScriptForABackendThatIsNotEmbedded() {
    assertClassFails(
        InitForGivenBackend.class,
        "an init script of " + InitForGivenBackend.class.getName() + " is for backend \"db\"",
        "init scripts run only in the embedded servers pgMux creates");
  }

  @Test
  void postgresVersionWithoutBinaries() {
    assertClassFails(
        MissingVersion.class,
        "no PostgreSQL 9.1 binaries for linux-amd64",
        "the classpath has 18.6.0",
        "-Dpgmux.postgres.binaries=<dir>");
  }

  @Test
  void annotationAndExtensionTogether() {
    assertClassFails(BothWays.class, "has both @PgMux and the PgMuxExtension field BothWays.mux");
  }

  @Test
  void backendFieldInANestedClass() {
    Events events = EngineKit.run(NestedBackendField.class).allEvents();
    events.assertThatEvents()
        .haveExactly(
            1,
            event(
                container("nested-class:Inner"),
                finishedWithFailure(
                    instanceOf(ExtensionConfigurationException.class),
                    message(contains("field Inner.b is in a @Nested class", "move the field to NestedBackendField")))));
  }

  @Test
  void malformedServerConfig() {
    assertClassFails(BadServerConfig.class, "serverConfig \"fsync\"", "is not name=value");
  }

  private static void assertClassFails(Class<?> fixture, String... fragments) {
    Events events = EngineKit.run(fixture).allEvents();
    events.assertThatEvents()
        .haveExactly(
            1,
            event(
                container(fixture),
                finishedWithFailure(
                    instanceOf(ExtensionConfigurationException.class), message(contains(fragments)))));
    assertThat(events.started().filter(e -> e.getTestDescriptor().isTest()).count()).isZero();
  }

  private static Predicate<String> contains(String... fragments) {
    return text -> {
      for (String fragment : fragments) {
        if (!text.contains(fragment)) {
          System.err.println("message lacks [" + fragment + "]: " + text);
          return false;
        }
      }
      return true;
    };
  }

  // Fixtures: run only through the test kit (failsafe skips nested classes).

  @PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "alice", backend = "tenant_b")})
  static class DuplicateUser {
    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class UnusedBackendField {
    @PgMuxBackend("tenant-a")
    static BackendConfig a = BackendConfig.of("127.0.0.1", 5432);

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class UnsupportedFieldType {
    @PgMuxBackend("tenant_a")
    static String a = "postgres://localhost";

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class NullBackendField {
    @PgMuxBackend("tenant_a")
    static BackendConfig a;

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"), postgresVersion = "9.1")
  static class MissingVersion {
    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class BothWays {
    @RegisterExtension
    static PgMuxExtension mux = PgMuxExtension.builder().route("bob", "tenant_b").build();

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
  static class NestedBackendField {
    @PgMuxBackend("tenant_a")
    static BackendConfig a = BackendConfig.of("127.0.0.1", 5432);

    @Nested
    class Inner {
      @PgMuxBackend("tenant_b")
      BackendConfig b = BackendConfig.of("127.0.0.1", 5433);

      @Test
      void never() {}
    }
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"), serverConfig = "fsync")
  static class BadServerConfig {
    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a"), serverConfig = "max_conections=50")
  static class MisspeltServerSetting {
    @Test
    void never() {}
  }

  @PgMux(
      routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tennat_a")})
  static class MisspeltBackend {
    @PgMuxBackend("tenant_a")
    static BackendConfig a = BackendConfig.of("127.0.0.1", 1);

    @Test
    void never() {}
  }

  static class InitForGivenBackend {
    @RegisterExtension
    static PgMuxExtension mux =
        PgMuxExtension.builder()
            .route("alice", "db")
            .backend("db", BackendConfig.of("127.0.0.1", 1))
            .initBackend("db", "/init.sql")
            .build();

    @Test
    void never() {}
  }

  static class FailingInit {
    @RegisterExtension
    static PgMuxExtension mux =
        PgMuxExtension.builder()
            .route("alice", "db")
            .initBackend("db", superuser -> InitIT.execute(superuser, "SELECT * FROM no_such_table"))
            .build();

    @Test
    void never() {}
  }

  @PgMux(routes = @Route(user = "alice", backend = "db"), init = "/no/such/script.sql")
  static class MissingInitScript {
    @Test
    void never() {}
  }
}
