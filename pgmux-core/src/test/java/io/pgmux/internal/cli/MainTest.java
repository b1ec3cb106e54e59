package io.pgmux.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void parsesEveryRouteForm() {
    Main.Options options =
        Main.Options.parse(
            List.of(
                "--listen", "127.0.0.1:5434",
                "--route", "alice=db1:5432",
                "--route", "bob=postgres@db2:6432/app",
                "--route=carol=[::1]:5433/reports",
                "--connect-timeout", "3",
                "--idle-session-timeout", "300",
                "--event-loops", "1"));
    assertThat(options.connectTimeout).hasSeconds(3);
    assertThat(options.idleSessionTimeout).hasSeconds(300);
    assertThat(options.eventLoops).isEqualTo(1);
    assertThat(options.routes.users())
        .containsEntry("alice", BackendConfig.of("db1", 5432))
        .containsEntry("bob", new BackendConfig("db2", 6432, "postgres", "app"))
        .containsEntry("carol", new BackendConfig("::1", 5433, null, "reports"));
  }

  @Test
  void aFallbackRouteOrARoutesFileIsEnoughAndTheFallbackKeepsTheClientsNames() {
    Main.Options fallbackOnly =
        Main.Options.parse(List.of("--listen", ":1", "--route", "*=db1:5432"));
    assertThat(fallbackOnly.routes.users()).isEmpty();
    assertThat(fallbackOnly.routes.fallback()).isEqualTo(BackendConfig.of("db1", 5432));
    Main.Options fileOnly =
        Main.Options.parse(List.of("--listen", ":1", "--routes-file", "routes.conf"));
    assertThat(fileOnly.routesFile).hasToString("routes.conf");
    assertThatThrownBy(
            () -> Main.Options.parse(List.of("--listen", ":1", "--route", "*=a:1", "--route", "*=b:2")))
        .hasMessage("two fallback routes (*=...)");
  }

  @Test
  void rejectsMistakesNamingThem() {
    assertThatThrownBy(() -> Main.Options.parse(List.of("--route", "a=h:1")))
        .hasMessage("--listen is required");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1")))
        .hasMessage("at least one --route or a --routes-file is required");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1", "--route", "alice")))
        .hasMessageContaining("is not USER=[BACKEND_USER@]HOST:PORT[/DB]");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1", "--route", "a=h:99999")))
        .hasMessageContaining("port 99999 is outside 1..65535");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1", "--route", "a=h:1", "--route", "a=h:2")))
        .hasMessage("user \"a\" has two routes");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1", "--route", "a=h:1", "--tls-cert", "c")))
        .hasMessage("--tls-cert and --tls-key go together");
    assertThatThrownBy(() -> Main.Options.parse(List.of("--listen", ":1", "--route", "a=h:1", "--bogus", "x")))
        .hasMessage("unknown option --bogus");
  }

  @Test
  void helpPrintsUsageAndUsageErrorsExitWithTwo() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(Main.run(new String[] {"--help"}, print(out), print(err))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: java -jar pgmux-core.jar");
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--route '*=[BACKEND_USER@]HOST:PORT[/DB]'", "--routes-file FILE", "--metrics HOST:PORT");
    assertThat(Main.run(new String[] {"--listen"}, print(out), print(err))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("pgmux: --listen needs a value");
  }

  private static PrintStream print(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }
}
