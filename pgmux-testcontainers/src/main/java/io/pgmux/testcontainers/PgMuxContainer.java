package io.pgmux.testcontainers;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.ProxyServer;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 */
public class PgMuxContainer extends GenericContainer<PgMuxContainer> {
  /** The port the proxy listens on inside the container. */
  public static final int PROXY_PORT = 5432;

  /** The JRE image the proxy runs on unless the constructor is given another. */
  public static final String DEFAULT_JRE_IMAGE = "eclipse-temurin:17-jre";

  /** The name under which the built image is cached. */
  public static final String IMAGE_NAME = "pgmux/pgmux";

  private static final String APP = "/opt/pgmux/app";
  private static final String TLS_CERT = "/opt/pgmux/tls/server.crt";
  private static final String TLS_KEY = "/opt/pgmux/tls/server.key";

  private final Map<String, Route> routes = new LinkedHashMap<>();
  private boolean tls;
  private boolean tlsRequired;

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
    if (routes.putIfAbsent(user, new Route(backend, backendUser, database, null)) != null) {
      throw new IllegalArgumentException("pgmux: user \"" + user + "\" already has a route");
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
    Route route = routes.get(user);
    if (route == null) {
      throw new IllegalArgumentException(
          "pgmux: user \"" + user + "\" has no route: call withRoute before withProxyAuthentication");
    }
    if (clientPassword.isEmpty()) {
      throw new IllegalArgumentException("pgmux: route \"" + user + "\": the client password is empty");
    }
    routes.put(user, new Route(route.backend(), route.backendUser(), route.database(), clientPassword));
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

  /** Refuses clients that do not use TLS (28000); needs {@link #withTls}. */
  public PgMuxContainer withTlsRequired() {
    tlsRequired = true;
    return self();
  }

  @Override
  protected void configure() {
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
    setCommand(command.toArray(new String[0]));
  }

  /** {@code [BACKEND_USER@]ALIAS:PORT[/DB]} for the CLI. */
  private String target(String user, Route route) {
    JdbcDatabaseContainer<?> backend = route.backend();
    if (backend.getNetwork() == null || !Objects.equals(backend.getNetwork(), getNetwork())) {
      throw new IllegalStateException(
          "pgmux: route \"" + user + "\": the backend container and the PgMuxContainer must share a"
              + " Network: call withNetwork(network) on both");
    }
    List<String> aliases = backend.getNetworkAliases();
    if (aliases.isEmpty()) {
      throw new IllegalStateException(
          "pgmux: route \"" + user + "\": the backend container has no network alias: add one with"
              + " withNetworkAliases(...)");
    }
    String backendUser = route.backendUser() != null ? route.backendUser() : backend.getUsername();
    String database = route.database() != null ? route.database() : backend.getDatabaseName();
    return backendUser + "@" + aliases.get(0) + ":" + ContainerBackends.internalPort(backend)
        + "/" + database;
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
   * is the backend container's first network alias, which its certificate must name.
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
    Route route = routes.get(user);
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

  /** Returns the users that have a route. */
  public List<String> getRoutedUsers() {
    return List.copyOf(routes.keySet());
  }
}
