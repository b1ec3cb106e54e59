package io.pgmux.internal.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.StaticRouter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutesTest {

  @Test
  void parsesAFileSkippingCommentsAndBlankLines() {
    Routes routes =
        Routes.parse(
            "routes.conf",
            List.of(
                "# tenants",
                "alice=db1:5432",
                "",
                "   bob=postgres@db2:6432/app   ",
                "\t# the rest",
                "*=db3:5432"));
    assertThat(routes.users())
        .containsExactly(
            java.util.Map.entry("alice", BackendConfig.of("db1", 5432)),
            java.util.Map.entry("bob", new BackendConfig("db2", 6432, "postgres", "app")));
    assertThat(routes.fallback()).isEqualTo(BackendConfig.of("db3", 5432));
    assertThat(routes.describe()).isEqualTo("2 route(s) and a fallback route");
  }

  @Test
  void aFallbackMayRewriteUserAndDatabase() {
    Routes routes = new Routes();
    routes.add("*=postgres@[::1]:5433/shared");
    assertThat(routes.fallback()).isEqualTo(new BackendConfig("::1", 5433, "postgres", "shared"));
    assertThat(routes.users()).isEmpty();
  }

  @Test
  void aBadLineNamesTheFileTheLineAndTheReason() {
    List<String> lines = List.of("# ok", "alice=db1:5432", "bob=db2");
    assertThatThrownBy(() -> Routes.parse("routes file r.conf", lines))
        .hasMessage("routes file r.conf line 3: route \"bob=db2\": backend \"db2\" is not HOST:PORT");
    assertThatThrownBy(() -> Routes.parse("f", List.of("alice=db1:5432", "alice=db2:5432")))
        .hasMessage("f line 2: user \"alice\" has two routes");
    assertThatThrownBy(() -> Routes.parse("f", List.of("alice = db1:5432")))
        .hasMessageContaining("f line 1: route \"alice = db1:5432\": user \"alice \" starts or ends with a space");
    assertThatThrownBy(() -> Routes.parse("f", List.of("alice=db1:70000")))
        .hasMessage("f line 1: route \"alice=db1:70000\": backend db1: port 70000 is outside 1..65535");
    assertThatThrownBy(() -> Routes.parse("f", List.of("alice=db1:x")))
        .hasMessage("f line 1: route \"alice=db1:x\": port is not a number");
    assertThatThrownBy(() -> Routes.parse("f", new byte[] {'a', '=', (byte) 0xff}))
        .hasMessage("f is not UTF-8 text");
    assertThat(Routes.parse("f", "a=h:1\r\nb=h:2\r\n".getBytes(StandardCharsets.UTF_8)).users())
        .containsOnlyKeys("a", "b");
  }

  @Test
  void applyingMakesTheRouterHoldExactlyTheseRoutes() {
    StaticRouter router =
        new StaticRouter()
            .put("stale", BackendConfig.of("old", 1))
            .put("alice", BackendConfig.of("old", 1))
            .withFallback(BackendConfig.of("old", 1));
    Routes routes = new Routes();
    routes.add("alice=new:2");
    routes.add("bob=new:3");
    routes.applyTo(router);
    assertThat(router.routes())
        .containsOnly(
            java.util.Map.entry("alice", BackendConfig.of("new", 2)),
            java.util.Map.entry("bob", BackendConfig.of("new", 3)));
    assertThat(router.fallback()).isNull();
  }
}
