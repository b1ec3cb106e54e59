package io.pgmux.testcontainers;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.Faults;
import io.pgmux.ProxyServer;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.StatementJournal;
import io.pgmux.testcontainers.internal.Console;
import io.pgmux.testcontainers.internal.ConsoleCommands;
import io.pgmux.testcontainers.internal.ConsoleFaults;
import io.pgmux.testcontainers.internal.ConsoleJournal;
import io.pgmux.testcontainers.internal.ConsoleRows;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.JdbcDatabaseContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The pgMux proxy in a container, in front of database containers on the same {@link
 * org.testcontainers.containers.Network Network}: one JDBC URL, and the user name picks the
 * container.
 *
 * <pre>{@code
 * Network network = Network.newNetwork();
 * PostgreSQLContainer a = new PostgreSQLContainer("postgres:17").withNetwork(network);
 * PostgreSQLContainer b = new PostgreSQLContainer("postgres:15").withNetwork(network);
 * PgMuxContainer mux = new PgMuxContainer().withNetwork(network)
 *     .withRoute("alice", a)
 *     .withRoute("bob", b);
 * mux.start(); // starts a and b first
 * DriverManager.getConnection(mux.getJdbcUrl("alice"), "alice", a.getPassword());
 * }</pre>
 *
 * <p>The image is built on first use from the pgmux-core jar on the classpath, on a JRE base image
 * ({@value #DEFAULT_JRE_IMAGE} unless another is given), and cached by Docker under {@value
 * #IMAGE_NAME}. The proxy listens on port {@value #PROXY_PORT} in the container; {@link
 * #getJdbcUrl(String)} gives the host-side URL. The container is ready once the proxy prints that
 * it listens.
 *
 * <p>A route reaches its backend by the backend's network alias and internal port, so both must
 * share this container's network; routing to a container starts it first ({@code dependsOn}).
 * By default a route logs in as the backend container's user to its database, so clients use the
 * container's password under their own user name.
 *
 * <p><b>At run time</b> the container offers what the in-JVM proxy's {@code PgMuxProxy} of
 * pgmux-junit5 does, with the same names and types: {@link #route} and {@link #removeRoute}
 * change routes for new sessions, {@link #sessions()} lists the live ones, {@link #journal()}
 * holds the statements tenants ran (on by default; {@link #withJournal(int)}), {@link #faults()}
 * injects faults, {@link #stats()} counts. They speak to the proxy's admin console over the mapped
 * port with pgjdbc, as a user {@value #ADMIN_USER} whose password is generated for each
 * container and reaches the proxy through its environment (never its command line, logs or
 * {@link #toString()}). The admin database {@value #ADMIN_DATABASE} is then never routed. One
 * console connection per container, opened on first use and closed on {@link #stop()}; all
 * methods are thread-safe. Errors the console answers are {@link IllegalArgumentException}s (no
 * such route, bad value) or {@link IllegalStateException}s, with the proxy's {@code pgmux:}
 * message.
 */
public class PgMuxContainer extends GenericContainer<PgMuxContainer> {
  /** The port the proxy listens on inside the container. */
  public static final int PROXY_PORT = 5432;

  /** The JRE image the proxy runs on unless the constructor is given another. */
  public static final String DEFAULT_JRE_IMAGE = "eclipse-temurin:17-jre";

  /** The name under which the built image is cached. */
  public static final String IMAGE_NAME = "pgmux/pgmux";

  /** The admin console's user, as which {@link #journal()}, {@link #faults()} etc. log in. */
  public static final String ADMIN_USER = "pgmux_admin";

  /** The admin console's database: a client asking for it reaches the console, not a backend. */
  public static final String ADMIN_DATABASE = "pgmux";

  /** The journal's capacity unless {@link #withJournal(int)} sets another, the CLI's default. */
  public static final int DEFAULT_JOURNAL_CAPACITY = 10_000;

  private static final String ADMIN_PASSWORD_VARIABLE = "PGMUX_ADMIN_PASSWORD";
  private static final String APP = "/opt/pgmux/app";
  private static final String TLS_CERT = "/opt/pgmux/tls/server.crt";
  private static final String TLS_KEY = "/opt/pgmux/tls/server.key";

  /** The routes, declared and changed at run time; guarded by itself. */
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private boolean tls;
  private boolean tlsRequired;
  private int journalCapacity = DEFAULT_JOURNAL_CAPACITY;
  /** Generated per container; only the environment of the proxy and the console client see it. */
  private final String adminPassword = newPassword();
  private final Console console =
      new Console(this::consoleUrl, ADMIN_USER, adminPassword, "PgMuxContainer");
  private final ConsoleFaults faults = new ConsoleFaults(console);

  /**
   * What one route is: the backend container, the rewrites, and the clients' password when the
   * proxy authenticates them itself (null: passthrough).
   */
  private record Route(
      JdbcDatabaseContainer<?> backend, String backendUser, String database, String clientPassword) {}

  /** Runs the proxy on {@value #DEFAULT_JRE_IMAGE}. */
  public PgMuxContainer() {
    this(DockerImageName.parse(DEFAULT_JRE_IMAGE));
  }

  /**
   * Runs the proxy on {@code jreImage}, any image with {@code java} 17 or later on its path.
   */
  public PgMuxContainer(DockerImageName jreImage) {
    super(image(jreImage));
    addExposedPort(PROXY_PORT);
    waitingFor(Wait.forLogMessage(".*pgmux: listening on .*", 1));
  }

  private static ImageFromDockerfile image(DockerImageName jreImage) {
    Objects.requireNonNull(jreImage, "jreImage");
    Path code = coreCode();
    String version = Objects.toString(ProxyServer.class.getPackage().getImplementationVersion(), "dev");
    // The fingerprint makes a rebuilt pgmux-core a new image, so a cached one is never stale.
    String tag =
        version + "-" + fingerprint(code) + "-"
            + jreImage.asCanonicalNameString().replaceAll("[^a-zA-Z0-9_.-]", "_");
    // Not deleted on exit: the next test class reuses the image instead of building it again.
    return new ImageFromDockerfile(IMAGE_NAME + ":" + tag, false)
        .withFileFromPath("app", code)
        .withDockerfileFromBuilder(
            dockerfile ->
                dockerfile
                    .from(jreImage.asCanonicalNameString())
                    .copy("app", APP)
                    .expose(PROXY_PORT)
                    .entryPoint("java", "-cp", APP, "io.pgmux.internal.cli.Main")
                    .build());
  }

  /** Sizes and modification times of the code, as a short hex string. */
  private static String fingerprint(Path code) {
    try (java.util.stream.Stream<Path> files = Files.walk(code)) {
      long hash = 17;
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        hash = 31 * hash + Files.size(file);
        hash = 31 * hash + Files.getLastModifiedTime(file).toMillis();
      }
      return Long.toHexString(hash);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("pgmux: cannot read " + code, e);
    }
  }

  /** The pgmux-core jar, or its classes directory when running inside the pgMux build. */
  private static Path coreCode() {
    try {
      Path path =
          Path.of(ProxyServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.exists(path)) {
        throw new IllegalStateException("pgmux: pgmux-core is not a file or directory: " + path);
      }
      return path;
    } catch (URISyntaxException e) {
      throw new IllegalStateException("pgmux: cannot locate the pgmux-core jar", e);
    }
  }

  /**
   * Routes clients logging in as {@code user} to {@code backend}, as the backend container's user
   * and to its database.
   */
  public PgMuxContainer withRoute(String user, JdbcDatabaseContainer<?> backend) {
    return withRoute(user, backend, null, null);
  }

  /**
   * Routes clients logging in as {@code user} to {@code backend}, as {@code backendUser} and to
   * {@code database} there; {@code null} takes the backend container's user or database.
   *
   * @throws IllegalArgumentException if {@code user} already has a route, or contains {@code =}
   */
  public PgMuxContainer withRoute(
      String user, JdbcDatabaseContainer<?> backend, String backendUser, String database) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(backend, "backend");
    if (user.isEmpty() || user.contains("=")) {
      throw new IllegalArgumentException("pgmux: route user \"" + user + "\" is empty or contains '='");
    }
    synchronized (routes) {
      if (routes.putIfAbsent(user, new Route(backend, backendUser, database, null)) != null) {
        throw new IllegalArgumentException("pgmux: user \"" + user + "\" already has a route");
      }
    }
    dependsOn(backend);
    return self();
  }

  /**
   * Makes the proxy authenticate the clients of {@code user}'s route itself, with SCRAM-SHA-256
   * against {@code clientPassword}, and then log in to the backend with the backend container's
   * own password: clients need not know it, MD5 works with a rewritten user, and a wrong password
   * is refused ({@code 28P01}) before any backend connection. Both passwords reach the proxy
   * through its container's environment, not its command line.
   *
   * @throws IllegalArgumentException if {@code user} has no route yet
   */
  public PgMuxContainer withProxyAuthentication(String user, String clientPassword) {
    Objects.requireNonNull(clientPassword, "clientPassword");
    Route route = route(user);
    if (route == null) {
      throw new IllegalArgumentException(
          "pgmux: user \"" + user + "\" has no route: call withRoute before withProxyAuthentication");
    }
    if (clientPassword.isEmpty()) {
      throw new IllegalArgumentException("pgmux: route \"" + user + "\": the client password is empty");
    }
    synchronized (routes) {
      routes.put(user, new Route(route.backend(), route.backendUser(), route.database(), clientPassword));
    }
    return self();
  }

  /**
   * Terminates TLS for clients with a PEM certificate chain and private key from the host
   * ({@code sslmode=require} then works; see {@link io.pgmux.TlsConfig#pem} for the formats).
   */
  public PgMuxContainer withTls(Path certificateChain, Path privateKey) {
    withCopyFileToContainer(MountableFile.forHostPath(certificateChain), TLS_CERT);
    withCopyFileToContainer(MountableFile.forHostPath(privateKey), TLS_KEY);
    tls = true;
    return self();
  }

  /**
   * Keeps the latest {@code capacity} statements in the {@link #journal()} instead of {@value
   * #DEFAULT_JOURNAL_CAPACITY}.
   *
   * @throws IllegalArgumentException if {@code capacity} is below 1
   */
  public PgMuxContainer withJournal(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("pgmux: journal capacity " + capacity + " is below 1");
    }
    journalCapacity = capacity;
    return self();
  }

  /** Refuses clients that do not use TLS (28000); needs {@link #withTls}. */
  public PgMuxContainer withTlsRequired() {
    tlsRequired = true;
    return self();
  }

  @Override
  protected void configure() {
    Map<String, Route> routes;
    synchronized (this.routes) {
      routes = new LinkedHashMap<>(this.routes);
    }
    if (routes.isEmpty()) {
      throw new IllegalStateException("pgmux: PgMuxContainer has no route: add one with withRoute(user, container)");
    }
    if (tlsRequired && !tls) {
      throw new IllegalStateException("pgmux: withTlsRequired() needs withTls(certificate, key)");
    }
    // A stopped backend container leaves a cached address that nobody answers: fail fast.
    List<String> command =
        new ArrayList<>(List.of("--listen", "0.0.0.0:" + PROXY_PORT, "--connect-timeout", "3"));
    int index = 0;
    for (Map.Entry<String, Route> entry : routes.entrySet()) {
      String target = target(entry.getKey(), entry.getValue());
      Route route = entry.getValue();
      if (route.clientPassword() != null) {
        String clientVariable = "PGMUX_ROUTE_" + index + "_CLIENT_PASSWORD";
        String backendVariable = "PGMUX_ROUTE_" + index + "_BACKEND_PASSWORD";
        withEnv(clientVariable, route.clientPassword());
        withEnv(backendVariable, route.backend().getPassword());
        target +=
            "?auth=scram-sha-256&auth_password_env=" + clientVariable + "&password_env=" + backendVariable;
      }
      target = withBackendTlsOptions(entry.getKey(), target);
      command.addAll(List.of("--route", entry.getKey() + "=" + target));
      index++;
    }
    if (tls) {
      command.addAll(List.of("--tls-cert", TLS_CERT, "--tls-key", TLS_KEY));
    }
    if (tlsRequired) {
      command.add("--tls-required");
    }
    command.addAll(List.of("--admin-user", ADMIN_USER, "--journal=" + journalCapacity));
    withEnv(ADMIN_PASSWORD_VARIABLE, adminPassword);
    setCommand(command.toArray(new String[0]));
  }

  /** {@code [BACKEND_USER@]ALIAS:PORT[/DB]} for the CLI and the console's SET ROUTE. */
  private String target(String user, Route route) {
    BackendConfig backend = backendConfig("route \"" + user + "\"", route);
    return backend.user() + "@" + backend.host() + ":" + backend.port() + "/" + backend.database();
  }

  /** Where the proxy reaches {@code route}'s backend: network alias and internal port. */
  private BackendConfig backendConfig(String what, Route route) {
    JdbcDatabaseContainer<?> backend = route.backend();
    if (backend.getNetwork() == null || !Objects.equals(backend.getNetwork(), getNetwork())) {
      throw new IllegalStateException(
          "pgmux: " + what + ": the backend container and the PgMuxContainer must share a"
              + " Network: call withNetwork(network) on both");
    }
    List<String> aliases = backend.getNetworkAliases();
    if (aliases.isEmpty()) {
      throw new IllegalStateException(
          "pgmux: " + what + ": the backend container has no network alias: add one with"
              + " withNetworkAliases(...)");
    }
    // Testcontainers puts a random "tc-..." alias first; the one the test chose reads better in
    // routes, sessions and the journal.
    String alias =
        aliases.stream().filter(a -> !a.startsWith("tc-")).findFirst().orElse(aliases.get(0));
    String backendUser = route.backendUser() != null ? route.backendUser() : backend.getUsername();
    String database = route.database() != null ? route.database() : backend.getDatabaseName();
    return new BackendConfig(alias, ContainerBackends.internalPort(backend), backendUser, database);
  }

  // ---- TLS from the proxy to a route's backend

  private static final String BACKEND_ROOTS = "/opt/pgmux/backend-tls/";

  /** Per routed user: the route options for TLS to its backend (sslmode=...&sslrootcert=...). */
  private final Map<String, String> backendTls = new LinkedHashMap<>();

  /**
   * Makes the proxy reach {@code user}'s backend as {@code tls} says ({@code sslmode} and the
   * rest, libpq's meanings). A root certificate file is copied into the container and named by
   * the route's {@code sslrootcert}; {@link BackendTls#withSystemRoots()} means the trust store of
   * the JRE in the container. {@code verify-ca} and {@code verify-full} without roots take this
   * host's {@code ~/.postgresql/root.crt}, as libpq would. The host name {@code verify-full} checks
   * is the network alias the test gave the backend container (the first not made by
   * Testcontainers), which its certificate must name.
   *
   * @throws IllegalArgumentException if {@code user} has no route yet, or {@code tls} holds an
   *     {@link javax.net.ssl.SSLContext}, which cannot be handed to another process
   */
  public PgMuxContainer withBackendTls(String user, BackendTls tls) {
    Objects.requireNonNull(tls, "tls");
    if (!routes.containsKey(user)) {
      throw new IllegalArgumentException(
          "pgmux: user \"" + user + "\" has no route: call withRoute before withBackendTls");
    }
    // Made into a route as the proxy will: the verify modes take ~/.postgresql/root.crt, or fail now.
    BackendTls resolved = BackendConfig.of("backend", 5432).withTls(tls).tls();
    List<String> options = new ArrayList<>();
    options.add("sslmode=" + resolved.mode());
    if (resolved.rootCertificate() != null) {
      String path = BACKEND_ROOTS + "route-" + backendTls.size() + "-root.crt";
      withCopyFileToContainer(MountableFile.forHostPath(resolved.rootCertificate()), path);
      options.add("sslrootcert=" + path);
    } else if (resolved.systemRoots()) {
      options.add("sslrootcert=system");
    } else if (resolved.enabled() && resolved.verifiesChain()) {
      throw new IllegalArgumentException(
          "pgmux: route \"" + user + "\": backend TLS with an SSLContext cannot be handed to the"
              + " container: give a root certificate file (BackendTls.withRootCertificate)");
    }
    if (resolved.negotiation() == BackendTls.Negotiation.DIRECT) {
      options.add("sslnegotiation=direct");
    }
    if (resolved.channelBindingRequired()) {
      options.add("channel_binding=require");
    }
    backendTls.put(user, String.join("&", options));
    return self();
  }

  /** Appends the route's backend TLS options, if it has any, to its CLI target. */
  private String withBackendTlsOptions(String user, String target) {
    String options = backendTls.get(user);
    if (options == null) {
      return target;
    }
    return target + (target.contains("?") ? "&" : "?") + options;
  }

  /**
   * Returns the host-side JDBC URL for {@code user}, to the database its route logs in to. The
   * URL names the user; the password is the backend's, or the client password given to {@link
   * #withProxyAuthentication}.
   */
  public String getJdbcUrl(String user) {
    Route route = route(user);
    if (route == null) {
      throw new IllegalArgumentException("pgmux: user \"" + user + "\" has no route: add it with withRoute");
    }
    return getJdbcUrl(user, route.database() != null ? route.database() : route.backend().getDatabaseName());
  }

  /** Returns the host-side JDBC URL for {@code user} asking for {@code database}. */
  public String getJdbcUrl(String user, String database) {
    return "jdbc:postgresql://" + getHost() + ":" + getMappedPort(PROXY_PORT) + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8)
        + "?user=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
        + (tls ? "&sslmode=require" : "");
  }

  /** Returns the users that have a route: declared, and added at run time. */
  public List<String> getRoutedUsers() {
    synchronized (routes) {
      return List.copyOf(routes.keySet());
    }
  }

  private Route route(String user) {
    synchronized (routes) {
      return routes.get(user);
    }
  }

  /**
   * Returns {@code backend} as the proxy reaches it: its network alias (the first one the test
   * gave, else Testcontainers' own), internal port, user and database; for example to read what ran there with {@code journal().onBackend(...)}.
   *
   * @throws IllegalStateException if it does not share this container's network or has no alias
   */
  public BackendConfig backend(JdbcDatabaseContainer<?> backend) {
    Objects.requireNonNull(backend, "backend");
    return backendConfig("backend", new Route(backend, null, null, null));
  }

  /**
   * Routes {@code user} to {@code backend} from now on, for new connections, as the backend
   * container's user and to its database; open sessions stay where they are.
   *
   * @throws IllegalStateException if this container or {@code backend} is not running, or they do
   *     not share a network
   */
  public void route(String user, JdbcDatabaseContainer<?> backend) {
    route(user, backend, null, null);
  }

  /**
   * Routes {@code user} to {@code backend} from now on, for new connections, as {@code
   * backendUser} and to {@code database} there ({@code null} takes the container's).
   *
   * @throws IllegalStateException if this container or {@code backend} is not running, or they do
   *     not share a network
   */
  public void route(String user, JdbcDatabaseContainer<?> backend, String backendUser, String database) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(backend, "backend");
    if (!backend.isRunning()) {
      throw new IllegalStateException(
          "pgmux: route \"" + user + "\": the backend container is not running: start it first");
    }
    Route route = new Route(backend, backendUser, database, null);
    synchronized (routes) {
      console.execute(ConsoleCommands.setRoute(user, target(user, route)));
      routes.put(user, route);
    }
  }

  /**
   * Removes the route of {@code user}: new connections as that user are refused (28000); open
   * sessions go on.
   *
   * @throws IllegalArgumentException if {@code user} has no route
   */
  public void removeRoute(String user) {
    Objects.requireNonNull(user, "user");
    synchronized (routes) {
      console.execute(ConsoleCommands.dropRoute(user));
      routes.remove(user);
    }
  }

  /**
   * Returns the proxy's current routes, keyed by client user ({@code *} for a fallback), as the
   * proxy reaches the backends (network alias and internal port) with their rewrites. Proxy-side
   * authentication is not shown.
   */
  public Map<String, BackendConfig> routes() {
    Map<String, BackendConfig> out = new LinkedHashMap<>();
    console.query(
        "SHOW ROUTES", row -> out.put(row.getString("user"), ConsoleRows.route(row)));
    return java.util.Collections.unmodifiableMap(out);
  }

  /**
   * Returns the proxy's live sessions, oldest first; ended ones are not shown (unlike the in-JVM
   * proxy's, which keeps a test's ended sessions). A session appears once its backend connection
   * is made, so it is there when a JDBC connection is returned.
   */
  public List<SessionInfo> sessions() {
    return List.copyOf(console.query("SHOW SESSIONS", ConsoleRows::session));
  }

  /**
   * Returns the live sessions the proxy sent to {@code backend}, oldest first: what {@code
   * PgMuxProxy.sessions(backendName)} is for the in-JVM proxy, with the container in place of the
   * name.
   *
   * @throws IllegalStateException if {@code backend} does not share this container's network
   */
  public List<SessionInfo> sessions(JdbcDatabaseContainer<?> backend) {
    BackendConfig target = backend(backend);
    return sessions().stream()
        .filter(s -> s.backend().host().equals(target.host()) && s.backend().port() == target.port())
        .toList();
  }

  /** Returns the proxy's counters since it started; the console's own connections count too. */
  public ProxyStats stats() {
    return console.query("SHOW STATS", ConsoleRows::stats).get(0);
  }

  /**
   * Returns the statements the proxy's clients ran, read from the proxy on each call. Unlike the
   * in-JVM proxy's, it is not cleared between tests: call {@code journal().clear()} where a test
   * needs a clean slate. {@link StatementJournal#onBackend} takes the backend as the proxy sees
   * it: {@link #backend(JdbcDatabaseContainer)}.
   */
  public StatementJournal journal() {
    return new ConsoleJournal(console, journalCapacity);
  }

  /**
   * Returns the faults on users' routes. Unlike the in-JVM proxy's they are not removed between
   * tests: close the handle (try-with-resources) or call {@code faults().clear()}. {@link
   * Faults#active()} lists the faults added through this container object.
   */
  public Faults faults() {
    return faults;
  }

  /** Closes the admin console connection, then stops the container. */
  @Override
  public void stop() {
    console.close();
    super.stop();
  }

  private String consoleUrl() {
    if (!isRunning()) {
      throw new IllegalStateException("pgmux: PgMuxContainer is not running: start() it first");
    }
    return getJdbcUrl(ADMIN_USER, ADMIN_DATABASE);
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Names the image and the routed users only: Testcontainers' own {@code toString} prints the
   * container's environment, which holds the admin password.
   */
  @Override
  public String toString() {
    return "PgMuxContainer[" + getDockerImageName() + ", routes " + getRoutedUsers()
        + (isRunning() ? ", " + getHost() + ":" + getMappedPort(PROXY_PORT) : ", not running")
        + "]";
  }
}
