import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Starts many pgjdbc clients at the same instant and reports how long until every one of them
 * has logged in and had an answer to {@code SELECT 1}.
 *
 * <pre>
 *   java -cp postgresql.jar bench/StartupBurst.java JDBC_URL CLIENTS [TIMEOUT_SECONDS]
 * </pre>
 *
 * <p>First a warm-up: {@value #WARMUP} logins on four threads, so that neither this JVM's TLS and
 * pgjdbc code nor the server measures its JIT compiler. Then each client runs on its own thread,
 * connects (TLS, routing, authentication: whatever the URL asks for), queries, and closes; all
 * threads wait at one gate first so the burst is real. The
 * result goes to standard output as {@code name value} lines for {@code bench/run.sh}; failures
 * are counted and their distinct messages printed to standard error.
 */
public final class StartupBurst {
  private static final int WARMUP = 800;

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: StartupBurst JDBC_URL CLIENTS [TIMEOUT_SECONDS]");
      System.exit(2);
    }
    String url = args[0];
    int clients = Integer.parseInt(args[1]);
    long timeoutSeconds = args.length > 2 ? Long.parseLong(args[2]) : 300;

    warmUp(url);

    CountDownLatch ready = new CountDownLatch(clients);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(clients);
    AtomicLongArray servedAt = new AtomicLongArray(clients);
    AtomicInteger failures = new AtomicInteger();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    long[] start = new long[1];

    List<Thread> threads = new ArrayList<>(clients);
    for (int i = 0; i < clients; i++) {
      int client = i;
      Thread thread =
          new Thread(
              null,
              () -> {
                try {
                  ready.countDown();
                  gate.await();
                  try (Connection connection = DriverManager.getConnection(url);
                      Statement statement = connection.createStatement();
                      ResultSet rows = statement.executeQuery("SELECT 1")) {
                    rows.next();
                    servedAt.set(client, System.nanoTime() - start[0]);
                  }
                } catch (Exception e) {
                  failures.incrementAndGet();
                  Throwable root = e;
                  while (root.getCause() != null) {
                    root = root.getCause();
                  }
                  String why = e.getMessage() + (root == e ? "" : " (" + root + ")");
                  errors.merge(why, 1, Integer::sum);
                } finally {
                  done.countDown();
                }
              },
              "client-" + i,
              256 * 1024);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    if (!ready.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("could not start " + clients + " client threads");
    }
    start[0] = System.nanoTime();
    gate.countDown();
    boolean finished = done.await(timeoutSeconds, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - start[0];

    long[] times = new long[clients];
    int served = 0;
    for (int i = 0; i < clients; i++) {
      long t = servedAt.get(i);
      if (t > 0) {
        times[served++] = t;
      }
    }
    java.util.Arrays.sort(times, 0, served);
    System.out.printf("burst.clients %d%n", clients);
    System.out.printf("burst.served %d%n", served);
    System.out.printf("burst.failed %d%n", failures.get());
    System.out.printf("burst.unfinished %d%n", finished ? 0 : done.getCount());
    if (served > 0) {
      System.out.printf("burst.all_served_s %.3f%n", times[served - 1] / 1e9);
      System.out.printf("burst.p50_s %.3f%n", times[served / 2] / 1e9);
      System.out.printf("burst.p99_s %.3f%n", times[(int) (served * 0.99)] / 1e9);
      System.out.printf("burst.logins_per_s %.1f%n", served / (times[served - 1] / 1e9));
    }
    System.out.printf("burst.elapsed_s %.3f%n", elapsed / 1e9);
    new TreeMap<>(errors).forEach((message, n) -> System.err.println(n + " x " + message));
    System.exit(finished ? 0 : 1);
  }

  private static void warmUp(String url) throws InterruptedException {
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < WARMUP / threads.length; i++) {
                  try (Connection connection = DriverManager.getConnection(url)) {
                    connection.isValid(10);
                  } catch (Exception e) {
                    throw new IllegalStateException("warm-up login failed: " + e.getMessage(), e);
                  }
                }
              });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }
}
