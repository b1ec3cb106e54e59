package io.pgmux.testcontainers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The text values of the console's rows that need more than a getter. */
class ConsoleRowsTest {

  @Test
  void textArrayLiterals() {
    assertThat(ConsoleRows.textArray(null)).isNull();
    assertThat(ConsoleRows.textArray("{}")).isEmpty();
    assertThat(ConsoleRows.textArray("{1,2,3}")).containsExactly("1", "2", "3");
    assertThat(ConsoleRows.textArray("{NULL,\"NULL\",\"a,b\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"\"}"))
        .isEqualTo(Arrays.asList(null, "NULL", "a,b", "say \"hi\"", "back\\slash", ""));
    assertThatThrownBy(() -> ConsoleRows.textArray("1,2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pgmux: not a text[] literal: 1,2");
  }

  @Test
  void clientAddresses() {
    assertThat(ConsoleRows.clientAddress("172.17.0.1:54321"))
        .isEqualTo(InetSocketAddress.createUnresolved("172.17.0.1", 54321));
    assertThat(ConsoleRows.clientAddress("/172.17.0.1:54321"))
        .isEqualTo(InetSocketAddress.createUnresolved("172.17.0.1", 54321));
    assertThat(ConsoleRows.clientAddress("[::1]:5000"))
        .isEqualTo(InetSocketAddress.createUnresolved("::1", 5000));
    assertThat(ConsoleRows.clientAddress("local")).isEqualTo(InetSocketAddress.createUnresolved("local", 0));
  }
}
