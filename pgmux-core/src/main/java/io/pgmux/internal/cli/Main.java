package io.pgmux.internal.cli;

import io.pgmux.ClientAuth;
import io.pgmux.ProxyServer;
import io.pgmux.StaticRouter;
import io.pgmux.TlsConfig;
import io.pgmux.internal.route.RouteOptions;
import io.pgmux.internal.route.Routes;
import io.pgmux.internal.route.RoutesFile;
import io.pgmux.internal.server.ServerOptions;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * {@code java -jar pgmux-core.jar --listen HOST:PORT --route USER=[BACKEND_USER@]HOST:PORT[/DB]
 * ...}: runs a proxy until SIGTERM or Ctrl-C.
 */
public final class Main {
  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -jar pgmux-core.jar --listen HOST:PORT (--route ROUTE ... | --routes-file FILE) [options]",
          "",
          "Routes PostgreSQL clients to backends by the user name they log in with.",
          "",
          "  --listen HOST:PORT        address to listen on (:PORT for every interface; port 0 picks one)",
          "  --route USER=[BACKEND_USER@]HOST:PORT[/DB][?OPTION=VALUE&...]",
          "                            send USER to HOST:PORT, optionally as BACKEND_USER and to DB;",
          "                            repeat for every user",
          // Control plane: fallback route, routes file
          "  --route '*=[BACKEND_USER@]HOST:PORT[/DB]'",
          "                            fallback for users without a route; without BACKEND_USER@",
          "                            and /DB it keeps the client's user and database",
          "  --routes-file FILE        routes, one a line as after --route (# comments); re-read",
          "                            within two seconds of a change; a bad line keeps the routes",
          "  --listen-unix DIR         also listen on the Unix-domain socket DIR/.s.PGSQL.PORT, PORT",
          "                            being --listen's (psql -h DIR -p PORT)",
          "  --metrics HOST:PORT       serve Prometheus metrics at http://HOST:PORT/metrics",
          "  --tls-cert FILE           PEM certificate chain: clients may use TLS (sslmode=require)",
          "  --tls-key FILE            PEM private key for --tls-cert (PKCS#8, PKCS#1 RSA or SEC1 EC)",
          "  --tls-required            refuse clients that do not use TLS",
          "  --startup-timeout SECONDS time a client has to log in (default 60)",
          "  --connect-timeout SECONDS time to connect to a backend (default 10)",
          "  --idle-session-timeout SECONDS",
          "                            end sessions idle outside a transaction this long (FATAL",
          "                            57P05, as PostgreSQL's idle_session_timeout; default: never)",
          "  --max-connections N       clients served at once (default 10000)",
          "  --event-loops N           threads relaying bytes (default: one per CPU)",
          "  --journal[=CAPACITY]      keep the latest CAPACITY statements (default 10000): the",
          "                            console's SHOW STATEMENTS and per-user statement metrics",
          "  --admin-user NAME         turn the admin console on: psql -U NAME -d pgmux; the",
          "                            password (SCRAM-SHA-256) comes from --admin-password-file",
          "                            or the environment variable PGMUX_ADMIN_PASSWORD",
          "  --admin-password-file FILE",
          "                            the admin user's password (first line)",
          "  --admin-database NAME     the database name that leads to the console (default pgmux)",
          "  --help                    print this help",
          "",
          RouteOptions.HELP,
          "",
          "Example:",
          "  java -jar pgmux-core.jar --listen 127.0.0.1:5434 \\",
          "      --route alice=postgres@10.0.1.50:5432/app --route bob=10.0.1.51:5432",
          "");

  /** The line printed once clients can connect; tools wait for it. */
  static final String READY = "pgmux: listening on ";

  private Main() {}

  public static void main(String[] args) {
    // One line per log record (java.util.logging's default takes two), unless the user chose.
    if (System.getProperty("java.util.logging.config.file") == null
        && System.getProperty("java.util.logging.config.class") == null
        && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      for (Handler handler : Logger.getLogger("").getHandlers()) {
        if (handler instanceof ConsoleHandler) {
          handler.setFormatter(new LogLineFormatter());
        }
      }
    }
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Parses, starts and serves until the JVM is told to stop. Returns an exit status on errors. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = Options.parse(List.of(args));
    } catch (IllegalArgumentException e) {
      err.println("pgmux: " + e.getMessage());
      err.println("Try --help.");
      return 2;
    }
    if (options.help) {
      out.print(USAGE);
      return 0;
    }
    ProxyServer proxy;
    StaticRouter router = new StaticRouter();
    // Routes: the command line's, and a routes file's, watched while the proxy runs.
    RoutesFile routesFile = null;
    Routes routes = options.routes;
    try {
      if (options.routesFile != null) {
        routesFile = new RoutesFile(options.routesFile, options.routes, router);
        routes = routesFile.load();
      } else {
        options.routes.applyTo(router);
      }
      proxy = options.newProxy(router, routesFile, System::getenv).start();
    } catch (RuntimeException e) {
      err.println("pgmux: " + e.getMessage());
      return 1;
    }
    if (routesFile != null) {
      routesFile.watch(Options.ROUTES_FILE_POLL);
    }
    if (options.metrics != null) {
      InetSocketAddress metrics = proxy.metricsAddress();
      out.println("pgmux: metrics on http://" + hostPort(metrics) + "/metrics");
    }
    if (options.listenUnix != null) {
      // Not "listening on": tools wait for READY, which comes last.
      out.println("pgmux: Unix-domain socket " + proxy.unixSocket());
    }
    RoutesFile watched = routesFile;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (watched != null) {
                    watched.close();
                  }
                  proxy.close();
                  stopped.countDown();
                },
                "pgmux-shutdown"));
    out.println(READY + proxy.address() + " with " + routes.describe());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** The parsed command line. */
  static final class Options {
    String listen;
    final Routes routes = new Routes();
    Path tlsCert;
    Path tlsKey;
    boolean tlsRequired;
    Duration startupTimeout;
    Duration connectTimeout;
    Duration idleSessionTimeout;
    Integer maxConnections;
    Integer eventLoops;
    boolean help;
    static final int DEFAULT_JOURNAL = 10_000;
    Integer journal;
    String adminUser;
    Path adminPasswordFile;
    String adminDatabase;
    // Control plane
    static final Duration ROUTES_FILE_POLL = Duration.ofSeconds(1);
    Path routesFile;
    String metrics;
    Path listenUnix;

    static Options parse(List<String> args) {
      Options options = new Options();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        String value = null;
        int eq = arg.indexOf('=');
        if (arg.startsWith("--") && eq > 0) {
          value = arg.substring(eq + 1);
          arg = arg.substring(0, eq);
        }
        switch (arg) {
          case "--help":
          case "-h":
            options.help = true;
            return options;
          case "--tls-required":
            options.tlsRequired = true;
            continue;
          case "--journal":
            if (value == null) {
              options.journal = DEFAULT_JOURNAL;
              continue;
            }
            options.journal = positive(arg, value);
            continue;
          default:
        }
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(arg + " needs a value");
          }
          value = args.get(++i);
        }
        switch (arg) {
          case "--listen":
            options.listen = value;
            break;
          case "--route":
            options.routes.add(value);
            break;
          // Control plane
          case "--routes-file":
            options.routesFile = Path.of(value);
            break;
          case "--listen-unix":
            options.listenUnix = Path.of(value);
            break;
          case "--metrics":
            options.metrics = value;
            break;
          case "--tls-cert":
            options.tlsCert = Path.of(value);
            break;
          case "--tls-key":
            options.tlsKey = Path.of(value);
            break;
          case "--startup-timeout":
            options.startupTimeout = Duration.ofSeconds(positive(arg, value));
            break;
          case "--connect-timeout":
            options.connectTimeout = Duration.ofSeconds(positive(arg, value));
            break;
          case "--idle-session-timeout":
            options.idleSessionTimeout = Duration.ofSeconds(positive(arg, value));
            break;
          case "--max-connections":
            options.maxConnections = positive(arg, value);
            break;
          case "--event-loops":
            options.eventLoops = positive(arg, value);
            break;
          case "--admin-user":
            options.adminUser = value;
            break;
          case "--admin-password-file":
            options.adminPasswordFile = Path.of(value);
            break;
          case "--admin-database":
            options.adminDatabase = value;
            break;
          default:
            throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if (options.listen == null) {
        throw new IllegalArgumentException("--listen is required");
      }
      if (options.routes.users().isEmpty()
          && options.routes.fallback() == null
          && options.routesFile == null) {
        throw new IllegalArgumentException("at least one --route or a --routes-file is required");
      }
      if ((options.tlsCert == null) != (options.tlsKey == null)) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together");
      }
      if (options.adminUser == null
          && (options.adminPasswordFile != null || options.adminDatabase != null)) {
        throw new IllegalArgumentException("--admin-password-file and --admin-database need --admin-user");
      }
      if (options.tlsRequired && options.tlsCert == null) {
        throw new IllegalArgumentException("--tls-required needs --tls-cert and --tls-key");
      }
      return options;
    }

    /** The admin password: from the file, else the environment; never from the command line. */
    private char[] adminPassword(Function<String, String> env) {
      String fromEnv = env.apply(ADMIN_PASSWORD_ENV);
      if (adminPasswordFile != null) {
        return RouteOptions.passwordFile("--admin-password-file", adminPasswordFile);
      }
      if (fromEnv == null || fromEnv.isEmpty()) {
        throw new IllegalArgumentException(
            "--admin-user needs a password: --admin-password-file FILE or the environment variable "
                + ADMIN_PASSWORD_ENV);
      }
      return fromEnv.toCharArray();
    }

    static final String ADMIN_PASSWORD_ENV = "PGMUX_ADMIN_PASSWORD";

    private static int positive(String option, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(option + " " + value + " is not a positive number");
    }

    ProxyServer newProxy(StaticRouter router) {
      return newProxy(router, null, System::getenv);
    }

    /**
     * Builds the proxy.
     *
     * @param routesFile the routes file the console's RELOAD re-reads, or null
     * @param env the environment, for PGMUX_ADMIN_PASSWORD
     */
    ProxyServer newProxy(StaticRouter router, RoutesFile routesFile, Function<String, String> env) {
      ProxyServer proxy = new ProxyServer(listen, router);
      if (journal != null) {
        proxy.withJournal(journal);
      }
      if (adminUser != null) {
        char[] password = adminPassword(env);
        try {
          proxy.withAdminConsole(adminUser, ClientAuth.scram(password));
        } finally {
          Arrays.fill(password, '\0');
        }
        if (adminDatabase != null) {
          proxy.withAdminDatabase(adminDatabase);
        }
        if (routesFile != null) {
          ServerOptions.of(proxy).routesReload(() -> routesFile.reloadNow().describe());
        }
      }
      if (metrics != null) {
        proxy.withMetrics(metrics);
      }
      if (listenUnix != null) {
        proxy.withUnixSocket(listenUnix);
      }
      if (tlsCert != null) {
        TlsConfig tls = TlsConfig.pem(tlsCert, tlsKey);
        proxy.withTls(tlsRequired ? tls.required() : tls);
      }
      if (startupTimeout != null) {
        proxy.withStartupTimeout(startupTimeout);
      }
      if (connectTimeout != null) {
        proxy.withConnectTimeout(connectTimeout);
      }
      if (idleSessionTimeout != null) {
        proxy.withIdleSessionTimeout(idleSessionTimeout);
      }
      if (maxConnections != null) {
        proxy.withMaxConnections(maxConnections);
      }
      if (eventLoops != null) {
        proxy.withEventLoops(eventLoops);
      }
      return proxy;
    }
  }
}
