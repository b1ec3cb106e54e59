package io.pgmux.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import io.pgmux.SessionInfo;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionFactsTest {
  private static SessionFacts facts(Map<String, String> parameters, BackendConfig backend) {
    SessionFacts facts = new SessionFacts(3, new InetSocketAddress("127.0.0.1", 50000));
    facts.startup = new StartupMessage(3, 0, parameters);
    facts.backend = backend;
    return facts;
  }

  @Test
  void withoutADatabaseTheBackendDefaultsToTheUserItSees() {
    SessionFacts facts =
        facts(Map.of("user", "alice"), new BackendConfig("10.0.0.1", 5432, "postgres", null));
    SessionInfo info = facts.info(false, 0, 0);
    assertThat(info.backendUser()).isEqualTo("postgres");
    assertThat(info.backendDatabase()).isEqualTo("postgres");
    assertThat(facts.ended(info)).contains("-> 10.0.0.1:5432 as postgres/postgres:");
  }

  @Test
  void aDatabaseTheClientNamesOrTheRouteSetsIsKept() {
    assertThat(
            facts(Map.of("user", "alice", "database", "app"), new BackendConfig("h", 5432, "postgres", null))
                .info(false, 0, 0)
                .backendDatabase())
        .isEqualTo("app");
    assertThat(
            facts(Map.of("user", "alice"), new BackendConfig("h", 5432, "postgres", "reports"))
                .info(false, 0, 0)
                .backendDatabase())
        .isEqualTo("reports");
    SessionInfo plain = facts(Map.of("user", "alice"), BackendConfig.of("h", 5432)).info(false, 0, 0);
    assertThat(plain.database()).isEqualTo("alice");
    assertThat(plain.backendDatabase()).isEqualTo("alice");
  }

  @Test
  void aUnixSocketClientIsTheUnresolvedAddressLocal() {
    InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", 50000);
    assertThat(SessionFacts.clientAddress(tcp)).isSameAs(tcp);
    InetSocketAddress local = SessionFacts.clientAddress(java.net.UnixDomainSocketAddress.of(""));
    assertThat(local.isUnresolved()).isTrue();
    assertThat(local.getHostString()).isEqualTo("local");
    assertThat(local.getPort()).isZero();
    SessionFacts facts = new SessionFacts(4, local);
    facts.startup = new StartupMessage(3, 0, Map.of("user", "alice"));
    assertThat(facts.client()).startsWith("session 4 \"alice\"@local");
  }
}
