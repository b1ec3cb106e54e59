import io.pgmux.BackendConfig;
import io.pgmux.ProxyServer;
import java.io.IOException;

/**
 * Three pgMux proxies in one JVM in front of one PostgreSQL server, alike but for what follows
 * the messages: nothing (a blind relay) on the first port; faults on, none added (every message
 * tapped and its conversation followed, nothing recorded) on the second; the statement journal
 * (10 000 entries) on the third. Runs until standard input closes; {@code bench/journal.sh}
 * drives pgbench against them in turns.
 *
 * <pre>
 *   java -cp pgmux-core.jar bench/JournalOverhead.java PG_PORT OFF_PORT TAPPED_PORT ON_PORT
 * </pre>
 */
public final class JournalOverhead {
  public static void main(String[] args) throws IOException {
    BackendConfig backend = BackendConfig.of("127.0.0.1", Integer.parseInt(args[0]));
    try (ProxyServer off = new ProxyServer("127.0.0.1:" + args[1], request -> backend).withEventLoops(1).start();
        ProxyServer tapped =
            new ProxyServer("127.0.0.1:" + args[2], request -> backend).withEventLoops(1).withFaults().start();
        ProxyServer on =
            new ProxyServer("127.0.0.1:" + args[3], request -> backend)
                .withEventLoops(1)
                .withJournal(10_000)
                .start()) {
      System.out.println("ready");
      System.out.flush();
      while (System.in.read() >= 0) {
        // run until the driving script closes standard input
      }
      System.out.println("journal entries " + on.journal().all().size() + " dropped " + on.journal().dropped());
    }
  }
}
