package io.pgmux.internal.route;

import io.pgmux.StaticRouter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a {@link StaticRouter} in step with a routes file ({@code --routes-file}): the file's
 * routes, in the syntax of {@link Routes}, plus the fixed routes of the command line.
 *
 * <p>The file is read when the proxy starts, where any error stops the start, and then polled:
 * when its content differs from the last content seen and has stayed the same for one poll (so
 * that a file caught half written by an editor is not applied), it is parsed and, if every line
 * is good, applied; a bad line, an unreadable or missing file keeps the routes in force and logs
 * the file, line and reason once per change. Polling the content, rather than a {@code WatchService}
 * or the modification time, sees every change on every file system (a watch service misses
 * changes on network and some container file systems, and a modification time may be too coarse
 * to tell two writes apart), and reading a small file once a second costs nothing worth saving.
 * Routes apply to clients that connect afterwards; running sessions stay where they are.
 *
 * <p>Thread-safe: one poll runs at a time.
 */
public final class RoutesFile implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** A routes file is a handful of lines; anything this large is the wrong file. */
  static final int MAX_BYTES = 1 << 20;

  private final Path file;
  private final Routes fixed;
  private final StaticRouter router;
  /** The content last parsed, good or bad, or {@code null} while the file is unreadable. */
  private byte[] lastSeen;
  /** Content seen by the last poll that differs from {@link #lastSeen}, or {@code null}. */
  private byte[] pending;
  /** The last read failure, so that a missing file is reported once, not every poll. */
  private String lastFailure;
  private ScheduledExecutorService poller;

  public RoutesFile(Path file, Routes fixed, StaticRouter router) {
    this.file = file;
    this.fixed = fixed;
    this.router = router;
  }

  /**
   * Reads the file and applies its routes with the fixed ones.
   *
   * @return the routes now in force
   * @throws IllegalArgumentException naming the file and, for a bad route, its line
   */
  public synchronized Routes load() {
    return readAndApply();
  }

  /**
   * Re-reads the file and applies it now if it changed and is good; otherwise keeps the routes in
   * force and logs why, once per change.
   *
   * @return whether new routes were applied
   */
  public synchronized boolean reload() {
    return check(false);
  }

  /**
   * Re-reads the file and applies it now, whether or not it changed, as the admin console's
   * {@code RELOAD} asks; a bad file keeps the routes in force.
   *
   * @return the routes now in force
   * @throws IllegalArgumentException naming the file and, for a bad route, its line
   */
  public synchronized Routes reloadNow() {
    Routes routes = readAndApply();
    pending = null;
    lastFailure = null;
    LOG.log(Level.INFO, "pgmux: routes file " + file + " reloaded: " + routes.describe());
    return routes;
  }

  /**
   * Re-reads the file as {@link #reload()} does, but applies a change only once a second poll
   * has read the same content.
   *
   * @return whether new routes were applied
   */
  synchronized boolean poll() {
    return check(true);
  }

  private boolean check(boolean settle) {
    byte[] content;
    try {
      content = read();
    } catch (IOException e) {
      String failure = describe(e);
      if (!failure.equals(lastFailure)) {
        LOG.log(Level.WARNING, "pgmux: " + failure + "; keeping the routes in force");
        lastFailure = failure;
      }
      lastSeen = null;
      pending = null;
      return false;
    }
    lastFailure = null;
    if (Arrays.equals(content, lastSeen)) {
      pending = null;
      return false;
    }
    if (settle && !Arrays.equals(content, pending)) {
      pending = content;
      return false;
    }
    pending = null;
    lastSeen = content;
    Routes routes;
    try {
      routes = parse(content);
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "pgmux: " + e.getMessage() + "; keeping the routes in force");
      return false;
    }
    routes.applyTo(router);
    LOG.log(Level.INFO, "pgmux: routes file " + file + " reloaded: " + routes.describe());
    return true;
  }

  /** Starts polling the file every {@code interval} on a daemon thread, until {@link #close()}. */
  public synchronized void watch(Duration interval) {
    if (poller != null) {
      throw new IllegalStateException("already watching " + file);
    }
    poller =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "pgmux-routes-file");
              thread.setDaemon(true);
              return thread;
            });
    long millis = interval.toMillis();
    poller.scheduleWithFixedDelay(this::pollLogged, millis, millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    ScheduledExecutorService running;
    synchronized (this) {
      running = poller;
    }
    if (running != null) {
      running.shutdownNow();
    }
  }

  private void pollLogged() {
    try {
      poll();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again: log and keep polling.
      LOG.log(Level.WARNING, "pgmux: reloading routes file " + file + " failed", e);
    }
  }

  /**
   * Reads, parses and applies the file, throwing rather than keeping the routes in force.
   *
   * @throws IllegalArgumentException naming the file and, for a bad route, its line
   */
  private Routes readAndApply() {
    byte[] content;
    try {
      content = read();
    } catch (IOException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
    Routes routes = parse(content);
    lastSeen = content;
    routes.applyTo(router);
    return routes;
  }

  private Routes parse(byte[] content) {
    Routes routes = Routes.parse("routes file " + file, content);
    Routes all = new Routes();
    all.addAll(fixed);
    try {
      all.addAll(routes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "routes file " + file + ": " + e.getMessage() + " (one from --route, one from the file)",
          e);
    }
    return all;
  }

  private byte[] read() throws IOException {
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw new IOException("it is " + size + " bytes, more than the " + MAX_BYTES + " a routes file may have");
    }
    return Files.readAllBytes(file);
  }

  private String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "routes file " + file + " does not exist";
    }
    return "routes file " + file + " cannot be read: " + e.getMessage();
  }
}
