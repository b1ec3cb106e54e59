package io.pgmux.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One route of a {@link PgMux @PgMux} proxy: clients logging in as {@link #user()} go to the
 * backend named {@link #backend()}, optionally as another user or to another database there.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Route {

  /** The user name clients log in with. */
  String user();

  /**
   * The backend's name: the {@link PgMuxBackend#value() name} of a backend field, or any other
   * name for an embedded server started for it. Routes naming the same backend share it.
   */
  String backend();

  /**
   * The user to log in as on the backend instead of {@link #user()}; empty keeps the backend
   * source's user (a container's), else the client's. The backend checks the password of this
   * user; embedded servers trust every local login.
   */
  String backendUser() default "";

  /**
   * The database to connect to on the backend, whatever the client asked for; empty keeps the
   * backend source's database (a container's), else the client's.
   */
  String database() default "";

  /**
   * What fills this route's database before tests see it, in order: SQL scripts ({@code
   * "classpath:db/schema.sql"}, {@code "file:..."} or a plain path, each run as one
   * multi-statement string), Flyway locations ({@code "flyway:classpath:db/migration"}, needs
   * Flyway and its PostgreSQL module) or a Liquibase changelog ({@code
   * "liquibase:db/changelog.xml"}, needs Liquibase 4). They run once per JVM and server into a
   * template database, as the database's owner; the class gets a clone, and {@link
   * PgMux#refresh()} fresh clones. A failing step fails the class with its message. Empty: an
   * empty database. Routes to one database declare its template once.
   */
  String[] template() default {};
}
