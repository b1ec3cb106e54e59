package io.pgmux.testcontainers;

import org.testcontainers.utility.DockerImageName;

/**
 * The images the tests run: public ones by default, the local {@code pgmux-ci/*} builds when the
 * {@code PGMUX_CI_*} variables that {@code shared/ci/docker-env.sh} exports name them (CI has no
 * registry).
 */
public final class TestImages {
  private TestImages() {}

  public static DockerImageName postgres15() {
    return postgres("PGMUX_CI_POSTGRES_IMAGE", "postgres:15");
  }

  public static DockerImageName postgres17() {
    return postgres("PGMUX_CI_POSTGRES17_IMAGE", "postgres:17");
  }

  public static DockerImageName jre() {
    return DockerImageName.parse(env("PGMUX_CI_JRE_IMAGE", PgMuxContainer.DEFAULT_JRE_IMAGE));
  }

  private static DockerImageName postgres(String variable, String fallback) {
    return DockerImageName.parse(env(variable, fallback)).asCompatibleSubstituteFor("postgres");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
