package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host directories bound into a container with {@code ctr run --mount}, through the sandbox share. */
class VolumesIT extends ContainerdTest {
    @TempDir
    Path dir;

    @Test
    void readOnlyAndWritableBindMountsBehaveAsUnderRunc() throws Exception {
        String id = "e2e-vol-" + ProcessHandle.current().pid();
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Path rw = Files.createDirectories(dir.resolve("rw"));
        Files.writeString(ro.resolve("greeting"), "hello from the host\n");
        Path single = Files.writeString(dir.resolve("single"), "one file\n");

        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME,
                "--mount", "type=bind,src=" + ro + ",dst=/ro,options=rbind:ro",
                "--mount", "type=bind,src=" + rw + ",dst=/rw,options=rbind:rw",
                "--mount", "type=bind,src=" + single + ",dst=/etc/single,options=bind:ro",
                image, id, "sh", "-c",
                "cat /ro/greeting /etc/single; echo x > /ro/new 2>/dev/null; echo ro-write=$?;"
                        + " echo from-guest > /rw/out; mount -o remount,rw /ro 2>/dev/null; echo x > /ro/new2;"
                        + " echo after-remount=$?");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("hello from the host\none file\n")
                .contains("ro-write=1").contains("after-remount=1");
        assertThat(rw.resolve("out")).hasContent("from-guest");
        assertThat(ro.resolve("new")).doesNotExist();
        assertThat(ro.resolve("new2")).doesNotExist();
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aMissingBindSourceFailsTheRunNamingIt() throws Exception {
        String id = "e2e-volmiss-" + ProcessHandle.current().pid();
        Path missing = dir.resolve("not-there");

        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME,
                "--mount", "type=bind,src=" + missing + ",dst=/data,options=rbind", image, id, "true");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains(missing.toString()).contains("/data");
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
