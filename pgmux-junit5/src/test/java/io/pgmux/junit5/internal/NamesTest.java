package io.pgmux.junit5.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void typosLookAlike() {
    assertThat(Names.lookAlike("tennat_a", "tenant_a")).isTrue(); // swapped letters
    assertThat(Names.lookAlike("biling", "billing")).isTrue(); // a letter missing
    assertThat(Names.lookAlike("tenant-a", "tenant_a")).isTrue(); // separator
    assertThat(Names.lookAlike("Tenant_A", "tenant_a")).isTrue(); // case
  }

  @Test
  void namesMeantToDifferDoNot() {
    assertThat(Names.lookAlike("tenant_a", "tenant_a")).isFalse();
    assertThat(Names.lookAlike("tenant_b", "tenant_a")).isFalse(); // last part differs
    assertThat(Names.lookAlike("db2", "db1")).isFalse();
    assertThat(Names.lookAlike("shard10", "shard11")).isFalse();
    assertThat(Names.lookAlike("orders", "billing")).isFalse();
  }
}
