package io.pgmux.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field as the backend of the given name, so routes naming it go there instead of to an
 * embedded server.
 *
 * <pre>{@code
 * @PgMuxBackend("billing")
 * static BackendConfig billing = BackendConfig.of("127.0.0.1", 5432);
 * }</pre>
 *
 * <p>The field may hold a {@link io.pgmux.BackendConfig}, or any object an {@link
 * io.pgmux.spi.BackendSource} on the classpath turns into one (pgmux-testcontainers handles {@code
 * JdbcDatabaseContainer}s). A static field is read once, when the proxy starts; an instance field
 * is read before each test, from that test's instance, so its routes lead to that instance's
 * backend (and have no backend before the first test instance exists). Declare backend fields in
 * the class that carries {@link PgMux @PgMux} (or {@link PgMuxExtension}) or its superclasses,
 * not in {@code @Nested} classes. Every backend field must be named by some route.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PgMuxBackend {

  /** The backend's name, as routes refer to it. */
  String value();
}
