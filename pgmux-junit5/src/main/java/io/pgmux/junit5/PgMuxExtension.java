package io.pgmux.junit5;

import io.pgmux.BackendConfig;
import io.pgmux.TlsConfig;
import io.pgmux.junit5.internal.InitStep;
import io.pgmux.junit5.internal.Lifecycle;
import io.pgmux.junit5.internal.ProxyHandle;
import io.pgmux.junit5.internal.RouteSpec;
import io.pgmux.junit5.internal.Setup;
import io.pgmux.junit5.internal.refresh.TemplateSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@link PgMux @PgMux} in code: the same proxy, embedded servers and {@link PgMuxProxy} handle,
 * configured with a builder, for routes computed at run time or backends held in variables.
 *
 * <pre>{@code
 * @RegisterExtension
 * static PgMuxExtension mux = PgMuxExtension.builder()
 *     .route("alice", "tenant_a")
 *     .route("bob", "tenant_b", "postgres", null)
 *     .backend("tenant_b", BackendConfig.of("127.0.0.1", 5432))
 *     .build();
 * }</pre>
 *
 * <p>Registered in a static field, it runs one proxy for the class and its {@code @Nested}
 * classes, started before {@code @BeforeAll} methods and closed after the class; {@link #proxy()}
 * returns it while the class runs. Registered in an instance field, each test gets its own proxy.
 * A class uses either {@code @PgMux} or one {@code PgMuxExtension}. Backends not given to the
 * builder or by {@link PgMuxBackend @PgMuxBackend} fields are embedded servers, as with
 * {@code @PgMux}.
 *
 * <p>The configuration is fixed by {@link Builder#build()}. An instance may be shared by several
 * classes, also running in parallel; each class still gets its own proxy, and {@link #proxy()}
 * returns the one of the class running on the calling thread.
 */
public final class PgMuxExtension
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        ParameterResolver {
  private final Setup setup;
  private final Lifecycle lifecycle = new Lifecycle(this::placement);
  /** The proxies running now, with how many class and test scopes use each. */
  private final Map<ProxyHandle, Integer> running = new ConcurrentHashMap<>();
  /**
   * The proxies of the scopes (class, nested class, test) running on each thread, innermost
   * first. JUnit runs a scope's callbacks and methods on one thread, and a thread that runs
   * another class's work meanwhile finishes it before returning, so scopes nest per thread.
   */
  private final ThreadLocal<Deque<ProxyHandle>> bound = ThreadLocal.withInitial(ArrayDeque::new);

  private PgMuxExtension(Setup setup) {
    this.setup = setup;
  }

  /** Returns a builder with no routes and embedded servers from the classpath's binaries. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the proxy of the class running on the calling thread, for use where parameters cannot
   * be injected (such as a Spring {@code @DynamicPropertySource} method). On a thread of its own,
   * it returns the proxy if only one class using this instance runs.
   *
   * @throws IllegalStateException if no class using this instance runs, or several do and the
   *     calling thread runs none of them
   */
  public PgMuxProxy proxy() {
    ProxyHandle mine = bound.get().peek();
    if (mine != null) {
      return mine;
    }
    List<ProxyHandle> now = List.copyOf(running.keySet());
    if (now.size() == 1) {
      return now.get(0);
    }
    if (now.isEmpty()) {
      throw new IllegalStateException(
          "pgmux: the proxy runs while its test class runs: call proxy() from @BeforeAll, a test"
              + " or later, or take a PgMuxProxy parameter");
    }
    throw new IllegalStateException(
        "pgmux: this PgMuxExtension runs " + now.size() + " proxies at once " + now
            + ", and proxy() was called on a thread that runs none of their classes: call it"
            + " on the test's thread, take a PgMuxProxy parameter, or give each class its own"
            + " PgMuxExtension");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    lifecycle.beforeAll(context);
    enter(lifecycle.handle(context));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    enter(lifecycle.beforeEach(context));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    lifecycle.afterEach(context).ifPresent(this::leave);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    lifecycle.existing(context).ifPresent(this::leave);
  }

  private void enter(ProxyHandle handle) {
    running.merge(handle, 1, Integer::sum);
    bound.get().push(handle);
  }

  private void leave(ProxyHandle handle) {
    running.computeIfPresent(handle, (h, scopes) -> scopes == 1 ? null : scopes - 1);
    Deque<ProxyHandle> scopes = bound.get();
    scopes.remove(handle);
    if (scopes.isEmpty()) {
      bound.remove();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return lifecycle.supportsParameter(parameter);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return lifecycle.handle(context);
  }

  private Lifecycle.Placement placement(ExtensionContext context) {
    // The proxy is stored where it is first needed: in the class's context for a static field
    // (nested classes find it there), in the test's for an instance field.
    return new Lifecycle.Placement(context, this, Lifecycle.outermostClass(context), () -> setup);
  }

  @Override
  public String toString() {
    return "PgMuxExtension" + setup.routes();
  }

  /** Collects routes and backends for a {@link PgMuxExtension}. Not thread-safe. */
  public static final class Builder {
    private final List<RouteSpec> routes = new ArrayList<>();
    private final Map<String, Object> backends = new LinkedHashMap<>();
    private final Map<String, String> serverConfig = new LinkedHashMap<>();
    private final Map<String, List<TemplateSource>> templates = new LinkedHashMap<>();
    private final Map<String, List<InitStep>> init = new LinkedHashMap<>();
    private String postgresVersion = "";
    private Refresh refresh = Refresh.NEVER;
    private TlsConfig tls;
    private BackendAuth backendAuth = BackendAuth.TRUST;
    private boolean backendTls;

    private Builder() {}

    /** How the embedded servers authenticate the proxy, as {@link PgMux#backendAuth()} says. */
    public Builder backendAuth(BackendAuth backendAuth) {
      this.backendAuth = Objects.requireNonNull(backendAuth, "backendAuth");
      return this;
    }

    /** Whether the embedded servers take logins over TLS only, as {@link PgMux#backendTls()} says. */
    public Builder backendTls(boolean backendTls) {
      this.backendTls = backendTls;
      return this;
    }

    /** Routes clients logging in as {@code user} to the backend named {@code backend}. */
    public Builder route(String user, String backend) {
      return route(user, backend, null, null);
    }

    /**
     * Routes clients logging in as {@code user} to the backend named {@code backend}, as {@code
     * backendUser} and to {@code database} there; {@code null} keeps the backend source's value,
     * else the client's, as the {@link Route} attributes do.
     */
    public Builder route(String user, String backend, String backendUser, String database) {
      routes.add(
          new RouteSpec(
              Objects.requireNonNull(user, "user"),
              Objects.requireNonNull(backend, "backend"),
              backendUser,
              database));
      return this;
    }

    /**
     * Names a backend: a {@link BackendConfig}, or an object a {@link io.pgmux.spi.BackendSource}
     * on the classpath handles (such as a database container with pgmux-testcontainers), turned
     * into an address when the proxy starts.
     */
    public Builder backend(String name, Object backend) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(backend, "backend");
      if (backends.putIfAbsent(name, backend) != null) {
        throw new IllegalArgumentException(
            "backend \"" + name + "\" is given twice: give each backend its own name");
      }
      return this;
    }

    /** Selects the embedded servers' PostgreSQL version, as {@link PgMux#postgresVersion()}. */
    public Builder postgresVersion(String version) {
      this.postgresVersion = Objects.requireNonNull(version, "version").trim();
      return this;
    }

    /** Sets a server setting of the embedded servers, as in {@code postgresql.conf}. */
    public Builder serverConfig(String name, String value) {
      serverConfig.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Makes the proxy terminate TLS for clients with {@code tls}; {@link PgMuxProxy#jdbcUrl(String)
     * jdbcUrl} then asks for {@code sslmode=require}. The backends are still reached without TLS.
     */
    public Builder tls(TlsConfig tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Says when the tenant databases are replaced by fresh clones, as {@link PgMux#refresh()}. */
    public Builder refresh(Refresh refresh) {
      this.refresh = Objects.requireNonNull(refresh, "refresh");
      return this;
    }

    /**
     * Adds steps that fill the database of {@code user}'s route, as {@link Route#template()}:
     * SQL scripts, {@code "flyway:..."} locations or a {@code "liquibase:..."} changelog.
     *
     * @throws IllegalArgumentException if a declaration is blank
     */
    public Builder template(String user, String... declarations) {
      for (String declaration : declarations) {
        addTemplate(user, TemplateSource.parse(declaration));
      }
      return this;
    }

    /**
     * Adds code that fills the database of {@code user}'s route. It runs once per JVM and server
     * for this {@code migration} object: keep it in a constant to share the template between
     * classes.
     */
    public Builder template(String user, Migration migration) {
      return addTemplate(user, new TemplateSource.Callback(migration));
    }

    private Builder addTemplate(String user, TemplateSource source) {
      templates.computeIfAbsent(Objects.requireNonNull(user, "user"), u -> new ArrayList<>()).add(source);
      return this;
    }

    /**
     * Runs the SQL script at classpath resource {@code script} in every embedded server when it
     * has started, as {@link PgMux#init()} does.
     */
    public Builder init(String script) {
      return step(Setup.ALL_BACKENDS, new InitStep.Script(Objects.requireNonNull(script, "script")));
    }

    /**
     * Runs the SQL script at classpath resource {@code script} in the embedded server of {@code
     * backend} when it has started, after the steps for every server, as {@link PgMux#init()}
     * describes. The backend must be an embedded server.
     */
    public Builder initBackend(String backend, String script) {
      return step(
          Objects.requireNonNull(backend, "backend"),
          new InitStep.Script(Objects.requireNonNull(script, "script")));
    }

    /**
     * Runs {@code init} in the embedded server of {@code backend} when it has started, in the
     * order given with its scripts. The backend must be an embedded server.
     */
    public Builder initBackend(String backend, BackendInit init) {
      return step(
          Objects.requireNonNull(backend, "backend"),
          new InitStep.Callback(Objects.requireNonNull(init, "init")));
    }

    private Builder step(String backend, InitStep step) {
      init.computeIfAbsent(backend, name -> new ArrayList<>()).add(step);
      return this;
    }

    /** Returns the extension; routes are validated when a class starts it. */
    public PgMuxExtension build() {
      return new PgMuxExtension(
          new Setup(
              routes,
              backends,
              postgresVersion,
              serverConfig,
              tls,
              init,
              refresh,
              templates,
              backendAuth,
              backendTls));
    }
  }
}
