package io.pgmux.junit5.internal.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Servers of a JVM that was killed outright are stopped by the next JVM's workspace. */
class WorkspaceIT {

  @Test
  void stopsTheServersOfAWorkspaceWhoseJvmIsGone() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertThat(gone.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Path orphan = Files.createTempDirectory(Workspace.root().getParent(), "pgmux-junit5-");
    // Owned by this JVM while the server starts, so that other JVMs' workspaces leave it alone.
    Files.writeString(orphan.resolve("owner.pid"), String.valueOf(ProcessHandle.current().pid()));
    Path data = orphan.resolve("tenant_a-1").resolve("data");

    try (EmbeddedPostgres postgres =
        EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
            .setRegisterShutdownHook(false).start()) {
      long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      ProcessHandle process = ProcessHandle.of(postmaster).orElseThrow();
      Files.writeString(orphan.resolve("owner.pid"), String.valueOf(gone.pid()));

      Workspace.cleanOrphans(Workspace.root());

      process.onExit().get(30, TimeUnit.SECONDS);
      assertThat(process.isAlive()).isFalse();
      assertThat(orphan).doesNotExist();
      assertThat(Workspace.root()).exists();
    }
  }
}
