package io.pgmux.internal.cli;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyServer;
import io.pgmux.StaticRouter;
import io.pgmux.TlsConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
          "Usage: java -jar pgmux-core.jar --listen HOST:PORT --route ROUTE [--route ROUTE ...] [options]",
          "",
          "Routes PostgreSQL clients to backends by the user name they log in with.",
          "",
          "  --listen HOST:PORT        address to listen on (:PORT for every interface; port 0 picks one)",
          "  --route USER=[BACKEND_USER@]HOST:PORT[/DB][?OPTION=VALUE&...]",
          "                            send USER to HOST:PORT, optionally as BACKEND_USER and to DB;",
          "                            repeat for every user",
          "  --tls-cert FILE           PEM certificate chain: clients may use TLS (sslmode=require)",
          "  --tls-key FILE            PEM private key for --tls-cert (PKCS#8, PKCS#1 RSA or SEC1 EC)",
          "  --tls-required            refuse clients that do not use TLS",
          "  --startup-timeout SECONDS time a client has to log in (default 60)",
          "  --connect-timeout SECONDS time to connect to a backend (default 10)",
          "  --max-connections N       clients served at once (default 10000)",
          "  --event-loops N           threads relaying bytes (default: one per CPU)",
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
    try {
      proxy = options.newProxy().start();
    } catch (RuntimeException e) {
      err.println("pgmux: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  proxy.close();
                  stopped.countDown();
                },
                "pgmux-shutdown"));
    out.println(READY + proxy.address() + " with " + options.routes.size() + " route(s)");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** The parsed command line. */
  static final class Options {
    String listen;
    final Map<String, BackendConfig> routes = new LinkedHashMap<>();
    Path tlsCert;
    Path tlsKey;
    boolean tlsRequired;
    Duration startupTimeout;
    Duration connectTimeout;
    Integer maxConnections;
    Integer eventLoops;
    boolean help;

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
            parseRoute(value, options.routes);
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
          case "--max-connections":
            options.maxConnections = positive(arg, value);
            break;
          case "--event-loops":
            options.eventLoops = positive(arg, value);
            break;
          default:
            throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if (options.listen == null) {
        throw new IllegalArgumentException("--listen is required");
      }
      if (options.routes.isEmpty()) {
        throw new IllegalArgumentException("at least one --route is required");
      }
      if ((options.tlsCert == null) != (options.tlsKey == null)) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together");
      }
      if (options.tlsRequired && options.tlsCert == null) {
        throw new IllegalArgumentException("--tls-required needs --tls-cert and --tls-key");
      }
      return options;
    }

    /** Parses {@code USER=[BACKEND_USER@]HOST:PORT[/DB]}. */
    static void parseRoute(String route, Map<String, BackendConfig> routes) {
      int eq = route.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "route \"" + route + "\" is not USER=[BACKEND_USER@]HOST:PORT[/DB]");
      }
      String user = route.substring(0, eq);
      String target = route.substring(eq + 1);
      String query = null;
      int question = target.indexOf('?');
      if (question >= 0) {
        query = target.substring(question + 1);
        target = target.substring(0, question);
      }
      String backendUser = null;
      int at = target.lastIndexOf('@');
      if (at >= 0) {
        backendUser = target.substring(0, at);
        target = target.substring(at + 1);
      }
      String database = null;
      int slash = target.indexOf('/');
      if (slash >= 0) {
        database = target.substring(slash + 1);
        target = target.substring(0, slash);
      }
      int colon = target.lastIndexOf(':');
      if (colon <= 0 || colon == target.length() - 1) {
        throw new IllegalArgumentException(
            "route \"" + route + "\": backend \"" + target + "\" is not HOST:PORT");
      }
      String host = target.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(target.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("route \"" + route + "\": port is not a number");
      }
      if (routes.containsKey(user)) {
        throw new IllegalArgumentException("user \"" + user + "\" has two routes");
      }
      try {
        BackendConfig config =
            new BackendConfig(
                host,
                port,
                backendUser == null || backendUser.isEmpty() ? null : backendUser,
                database == null || database.isEmpty() ? null : database);
        if (query != null) {
          config = RouteOptions.apply(config, query, System::getenv);
        }
        routes.put(user, config);
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new IllegalArgumentException("route \"" + route + "\": " + e.getMessage());
      }
    }

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

    ProxyServer newProxy() {
      ProxyServer proxy = new ProxyServer(listen, new StaticRouter(routes));
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
