package io.pgmux.test;

import io.pgmux.StaticRouter;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Two PostgreSQL servers of different major versions, started once per test run and shared by
 * every test class that asks for them (starting a server takes seconds; the tests do not change
 * server state that others depend on). JUnit stops them when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(Backends.Resolver.class)
 * class SomeIT {
 *   @Test void routes(Backends backends) { ... backends.current() ... }
 * }
 * }</pre>
 */
public record Backends(TestPostgres current, TestPostgres old) implements AutoCloseable {

  /**
   * The routes most tests use: {@code scram_user}, {@code md5_user} and {@code postgres} to the
   * current server, {@code clear_user} to the old one. A new router each call: tests may add to
   * it.
   */
  public StaticRouter router() {
    return new StaticRouter()
        .put("scram_user", current.backend())
        .put("md5_user", current.backend())
        .put("postgres", current.backend())
        .put("clear_user", old.backend());
  }

  @Override
  public void close() {
    try {
      current.close();
    } finally {
      old.close();
    }
  }

  /** Resolves {@link Backends} parameters, starting both servers (in parallel) on first use. */
  public static final class Resolver implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == Backends.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.create(Backends.class))
          .getOrComputeIfAbsent(Backends.class, key -> startBoth(), Backends.class);
    }

    private static Backends startBoth() {
      CompletableFuture<TestPostgres> old = CompletableFuture.supplyAsync(TestPostgres::old);
      TestPostgres current = TestPostgres.current();
      try {
        return new Backends(current, old.join());
      } catch (RuntimeException e) {
        current.close();
        throw e;
      }
    }
  }
}
