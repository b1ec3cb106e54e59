package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of pgmux-core, listed in {@code api/pgmux-core.api} so that every change to it
 * shows in review. After an intended change, regenerate the file with {@code ./mvnw -pl
 * pgmux-core test -Dtest=ApiSurfaceTest -Dpgmux.updateApi=true}.
 */
class ApiSurfaceTest {
  private static final List<String> API_PACKAGES = List.of("io.pgmux", "io.pgmux.spi");

  @Test
  void publicApiMatchesTheListing() throws Exception {
    String actual = String.join("\n", listing()) + "\n";
    Path file = Path.of("api", "pgmux-core.api");
    if (Boolean.getBoolean("pgmux.updateApi")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
    }
    assertThat(Files.exists(file)).as("%s exists; create it with -Dpgmux.updateApi=true", file).isTrue();
    assertThat(actual)
        .as("public API changed: review, then regenerate %s with -Dpgmux.updateApi=true", file)
        .isEqualTo(Files.readString(file));
  }

  private static List<String> listing() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(ProxyServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> lines = new ArrayList<>();
    for (String pkg : API_PACKAGES) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      List<String> names;
      try (Stream<Path> files = Files.list(dir)) {
        names =
            files.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                .sorted()
                .toList();
      }
      for (String name : names) {
        Class<?> type = Class.forName(name);
        if (!Modifier.isPublic(type.getModifiers()) || type.isAnonymousClass()) {
          continue;
        }
        lines.add(describe(type));
        List<String> members = new ArrayList<>();
        for (Field f : type.getDeclaredFields()) {
          if (Modifier.isPublic(f.getModifiers())) {
            members.add("  " + f.toGenericString().replace(type.getName() + ".", ""));
          }
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
          if (Modifier.isPublic(c.getModifiers())) {
            members.add("  " + signature(c));
          }
        }
        for (Method m : type.getDeclaredMethods()) {
          if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic()) {
            members.add("  " + signature(m));
          }
        }
        members.sort(null);
        lines.addAll(members);
      }
    }
    return lines;
  }

  private static String describe(Class<?> type) {
    String kind = type.isRecord() ? "record" : type.isInterface() ? "interface" : type.isEnum() ? "enum" : "class";
    String modifiers = Modifier.toString(type.getModifiers() & ~Modifier.INTERFACE & ~Modifier.ABSTRACT & ~Modifier.STATIC);
    String parents =
        Stream.concat(
                type.getSuperclass() == null || type.getSuperclass() == Object.class || type.isRecord()
                    ? Stream.empty()
                    : Stream.of(type.getSuperclass().getName()),
                Arrays.stream(type.getInterfaces()).map(Class::getName))
            .reduce((a, b) -> a + ", " + b)
            .map(p -> " : " + p)
            .orElse("");
    return (modifiers.isEmpty() ? "" : modifiers + " ") + kind + " " + type.getName() + parents;
  }

  private static String signature(Executable e) {
    return e.toGenericString().replace("java.lang.", "");
  }
}
