package io.pgmux.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An IPv4 address on this machine that drops every packet sent to it without an answer: TCP
 * connects to it neither complete nor fail, as to a backend behind a firewall that drops SYNs.
 *
 * <p>A child process holds a network namespace of its own ({@code unshare -n}); a veth pair joins
 * it to this one. This side gets {@link #localAddress()} in 198.18.0.0/15 (reserved for
 * benchmarking, never routed), the far side is up without any address, and a permanent neighbour
 * entry spares the ARP exchange, so the SYNs cross the link and the far kernel drops them: it owns
 * no such address and forwards nothing. No traffic leaves the machine, and closing ends the child,
 * which takes the namespace and both veth ends with it. Needs root (the CI runs as root).
 */
public final class DroppingAddress implements AutoCloseable {
  private final Process holder;
  private final String link;
  private final String address;

  private DroppingAddress(Process holder, String link, String address) {
    this.holder = holder;
    this.link = link;
    this.address = address;
  }

  /** Creates the namespace and the link; fails with the failing command's output. */
  public static DroppingAddress create() throws IOException, InterruptedException {
    Process holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
    String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    String near = "pgmx" + suffix + "a";
    String far = "pgmx" + suffix + "b";
    int third = ThreadLocalRandom.current().nextInt(256);
    int fourth = ThreadLocalRandom.current().nextInt(64) * 4;
    String subnet = (18 + ThreadLocalRandom.current().nextInt(2)) + "." + third + ".";
    String nearAddress = "198." + subnet + (fourth + 1);
    String farAddress = "198." + subnet + (fourth + 2);
    DroppingAddress dropping = new DroppingAddress(holder, near, farAddress);
    try {
      String pid = Long.toString(holder.pid());
      awaitNamespace(holder);
      run("ip", "link", "add", near, "type", "veth", "peer", "name", far, "netns", pid);
      run("ip", "addr", "add", nearAddress + "/30", "dev", near);
      run("ip", "link", "set", near, "up");
      run("nsenter", "-t", pid, "-n", "ip", "link", "set", far, "up");
      // "link/ether 2a:..:..:..:..:.. brd ff:ff:ff:ff:ff:ff": sysfs still shows our namespace.
      String shown = run("nsenter", "-t", pid, "-n", "ip", "-o", "link", "show", "dev", far);
      java.util.regex.Matcher ether =
          java.util.regex.Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(shown);
      if (!ether.find()) {
        throw new IOException("no MAC address for " + far + " in: " + shown);
      }
      String mac = ether.group(1);
      run("ip", "neigh", "replace", farAddress, "lladdr", mac, "dev", near, "nud", "permanent");
      return dropping;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      dropping.close();
      throw e;
    }
  }

  /** The address that drops what it is sent. */
  public String localAddress() {
    return address;
  }

  /** The holder's namespace exists once /proc shows it differs from ours (bounded to 5 s). */
  private static void awaitNamespace(Process holder) throws IOException {
    Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
    Path theirs = Path.of("/proc/" + holder.pid() + "/ns/net");
    Await.until(
        "unshare --net to create a namespace",
        Duration.ofSeconds(5),
        () -> {
          if (!holder.isAlive()) {
            return true; // reported below
          }
          try {
            return !Files.readSymbolicLink(theirs).equals(ours);
          } catch (IOException e) {
            return false; // the child has not switched yet
          }
        });
    if (!holder.isAlive()) {
      throw new IOException(
          "unshare --net failed: "
              + new String(holder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("did not finish within 10 s: " + String.join(" ", command));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      run("ip", "link", "del", link);
    } catch (IOException e) {
      // Never made, or already gone: the pair ends with the namespace anyway.
    }
    holder.destroy();
    if (!holder.waitFor(5, TimeUnit.SECONDS)) {
      holder.destroyForcibly();
    }
  }
}
