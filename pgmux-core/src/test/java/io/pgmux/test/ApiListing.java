package io.pgmux.test;

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

/**
 * A module's public API as text, one line per public type and member, compared with a listing
 * committed under {@code api/} so that every change to the API shows in review. After an
 * intended change, regenerate with {@code -Dpgmux.updateApi=true}.
 */
public final class ApiListing {
  private ApiListing() {}

  /**
   * Asserts that the public API in {@code packages} of the classes directory holding {@code
   * anchor} matches {@code file} (relative to the module's directory), and that no API member
   * mentions an {@code .internal} type.
   */
  public static void assertMatches(Class<?> anchor, List<String> packages, Path file)
      throws IOException, URISyntaxException, ClassNotFoundException {
    List<String> lines = listing(anchor, packages);
    assertThat(lines)
        .as("API members that mention internal types: make them internal, or the types API")
        .noneMatch(line -> line.matches(".*\\.internal\\..*"));
    String actual = String.join("\n", lines) + "\n";
    if (Boolean.getBoolean("pgmux.updateApi")) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, actual);
    }
    assertThat(Files.exists(file)).as("%s exists; create it with -Dpgmux.updateApi=true", file).isTrue();
    assertThat(actual)
        .as("public API changed: review, then regenerate %s with -Dpgmux.updateApi=true", file)
        .isEqualTo(Files.readString(file));
  }

  /** Returns the listing of the public types of {@code packages} and their public members. */
  public static List<String> listing(Class<?> anchor, List<String> packages)
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> lines = new ArrayList<>();
    for (String pkg : packages) {
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
        Class<?> type = Class.forName(name, false, anchor.getClassLoader());
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
    String kind =
        type.isAnnotation()
            ? "@interface"
            : type.isRecord() ? "record" : type.isInterface() ? "interface" : type.isEnum() ? "enum" : "class";
    String modifiers =
        Modifier.toString(type.getModifiers() & ~Modifier.INTERFACE & ~Modifier.ABSTRACT & ~Modifier.STATIC);
    String parents =
        Stream.concat(
                type.getSuperclass() == null || type.getSuperclass() == Object.class || type.isRecord()
                        || type.isEnum()
                    ? Stream.empty()
                    : Stream.of(type.getGenericSuperclass().getTypeName()),
                Arrays.stream(type.getInterfaces())
                    .filter(i -> !type.isAnnotation())
                    .map(Class::getName))
            .reduce((a, b) -> a + ", " + b)
            .map(p -> " : " + p)
            .orElse("");
    return (modifiers.isEmpty() ? "" : modifiers + " ") + kind + " " + type.getName() + parents;
  }

  private static String signature(Executable e) {
    return e.toGenericString().replace("java.lang.", "");
  }
}
