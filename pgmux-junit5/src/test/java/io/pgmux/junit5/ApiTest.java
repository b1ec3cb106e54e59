package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.support.ReflectionSupport;

/** The public API of pgmux-junit5, listed so that changes to it show in review. */
class ApiTest {
  @Test
  void publicTypes() {
    assertThat(
            ReflectionSupport.findAllClassesInPackage(
                    "io.pgmux.junit5", type -> Modifier.isPublic(type.getModifiers()), name -> true)
                .stream()
                .filter(type -> type.getPackageName().equals("io.pgmux.junit5"))
                .filter(ApiTest::isMainCode)
                .map(Class::getName))
        .containsExactlyInAnyOrder(
            "io.pgmux.junit5.PgMux",
            "io.pgmux.junit5.Route",
            "io.pgmux.junit5.PgMuxBackend",
            "io.pgmux.junit5.PgMuxProxy",
            "io.pgmux.junit5.PgMuxExtension",
            "io.pgmux.junit5.PgMuxExtension$Builder",
            "io.pgmux.junit5.Migration",
            "io.pgmux.junit5.Refresh");
  }

  /** Whether {@code type} is in the module's jar rather than among the test classes. */
  private static boolean isMainCode(Class<?> type) {
    return !type.getProtectionDomain().getCodeSource().getLocation().getPath().endsWith("/test-classes/");
  }
}
