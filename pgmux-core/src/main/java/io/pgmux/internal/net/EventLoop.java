package io.pgmux.internal.net;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One thread, one {@link Selector}: runs the I/O of the channels registered with it, the tasks
 * other threads hand it, and its timers. Everything a session does happens here, so sessions need
 * no locks.
 */
public final class EventLoop implements Executor {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** What a registered channel's key is attached to. */
  public interface Handler {
    /** Called with the ready operations of the key. */
    void ready(SelectionKey key) throws IOException;

    /** Called when {@link #ready} threw: the handler must release what it holds. */
    void failed(Exception cause);

    /** Called when the loop stops while the handler is still registered. */
    void loopClosing();
  }

  private final Selector selector;
  private final Consumer<SelectionKey> dispatcher = this::dispatch;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final BufferPool pool = new BufferPool(64);
  private volatile boolean closing;

  public EventLoop(String name) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  public Selector selector() {
    return selector;
  }

  public BufferPool pool() {
    return pool;
  }

  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on this loop: now if called from it, else soon. */
  @Override
  public void execute(Runnable task) {
    if (inLoop()) {
      task.run();
    } else {
      tasks.add(task);
      selector.wakeup();
    }
  }

  /** Runs {@code task} on this loop after the events at hand, even if called from the loop. */
  public void defer(Runnable task) {
    tasks.add(task);
    if (!inLoop()) {
      selector.wakeup();
    }
  }

  /** Runs {@code task} on this loop after {@code delay}; call from the loop only. */
  public Timer schedule(long delay, TimeUnit unit, Runnable task) {
    Timer timer = new Timer(System.nanoTime() + unit.toNanos(delay), task);
    timers.add(timer);
    return timer;
  }

  /** Returns how many timers wait to run. For tests only; call from the loop. */
  int timersQueued() {
    return timers.size();
  }

  /** Stops the loop: handlers are told, the selector closed, the thread ends. */
  public void shutdown() {
    closing = true;
    selector.wakeup();
  }

  /** Waits up to {@code millis} for the thread to end; returns whether it did. */
  public boolean awaitTermination(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  private void run() {
    try {
      while (!closing) {
        runTasks();
        long wait = runTimers();
        if (closing) {
          break;
        }
        // The consumer form hands keys over without the selected-key set, which costs a
        // HashMap node per ready key: garbage on every message relayed.
        if (!tasks.isEmpty()) {
          selector.selectNow(dispatcher);
        } else if (wait < 0) {
          selector.select(dispatcher);
        } else {
          selector.select(dispatcher, Math.max(1, wait));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.ERROR, "event loop " + thread.getName() + " failed", e);
    } finally {
      runTasks();
      for (SelectionKey key : selector.keys().toArray(new SelectionKey[0])) {
        if (key.attachment() instanceof Handler) {
          ((Handler) key.attachment()).loopClosing();
        }
      }
      try {
        selector.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing selector", e);
      }
    }
  }

  private void dispatch(SelectionKey key) {
    Handler handler = (Handler) key.attachment();
    try {
      if (key.isValid()) {
        handler.ready(key);
      }
    } catch (CancelledKeyException e) {
      // The session closed this key while handling another event of the same round.
    } catch (IOException | RuntimeException e) {
      handler.failed(e);
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "task on event loop failed", e);
      }
    }
  }

  /** Runs due timers; returns millis until the next one, or -1 if none. */
  private long runTimers() {
    long now = System.nanoTime();
    Timer next;
    while ((next = timers.peek()) != null) {
      if (next.deadline - now > 0) {
        return TimeUnit.NANOSECONDS.toMillis(next.deadline - now) + 1;
      }
      timers.poll();
      next.cancelled = true; // it ran: a late cancel() has nothing to remove
      try {
        next.task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "timer on event loop failed", e);
      }
    }
    return -1;
  }

  /** A scheduled task; {@link #cancel()} from the loop thread only. */
  public final class Timer implements Comparable<Timer> {
    final long deadline;
    final Runnable task;
    /** Cancelled or run: no longer in the queue. */
    boolean cancelled;

    Timer(long deadline, Runnable task) {
      this.deadline = deadline;
      this.task = task;
    }

    /**
     * Stops the timer and takes it out of the queue at once, so that sessions that come and go
     * leave no timers (and what they hold) waiting for deadlines far ahead.
     */
    public void cancel() {
      if (!cancelled) {
        cancelled = true;
        timers.remove(this);
      }
    }

    @Override
    public int compareTo(Timer other) {
      return Long.compare(deadline - other.deadline, 0);
    }
  }
}
