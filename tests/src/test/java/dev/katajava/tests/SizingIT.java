package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.katajava.protocols.task.UpdateTaskRequest;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import dev.katajava.ttrpc.TtrpcClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest's vCPUs and memory: from the configuration, from a container's limits, and grown by Update. */
class SizingIT extends ContainerdTest {
    private static final String PROBE = "nproc; grep MemTotal /proc/meminfo";

    @TempDir
    Path dir;

    private Path config(String vcpus, String memory) throws Exception {
        String text = Files.readString(E2eEnvironment.CONFIG)
                .replaceFirst("(?m)^default_vcpus = .*$", "default_vcpus = " + vcpus)
                .replaceFirst("(?m)^default_memory = .*$", "default_memory = " + memory);
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    private record Guest(int cpus, long memTotalMiB) {
        static Guest parse(String out) {
            Matcher m = Pattern.compile("(?s)(\\d+)\\s+MemTotal:\\s+(\\d+) kB").matcher(out);
            assertThat(m.find()).as("nproc and MemTotal in: " + out).isTrue();
            return new Guest(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)) / 1024);
        }
    }

    @Test
    void aConfigGivenWithRuntimeConfigPathSetsTheGuestsVcpusAndMemory() throws Exception {
        String id = "e2e-size-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                config("2", "768").toString(), image, id, "sh", "-c", PROBE);

        assertThat(run.exitCode()).as(run.describe()).isZero();
        Guest guest = Guest.parse(run.stdout());
        assertThat(guest.cpus()).isEqualTo(2);
        assertThat(guest.memTotalMiB()).isBetween(600L, 768L);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aBadValueFailsTheRunWithinSecondsNamingTheKey() throws Exception {
        String id = "e2e-badcfg-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                config("\"two\"", "768").toString(), image, id, "true");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("default_vcpus").contains("configuration.toml:");
        assertThat(run.elapsed()).isLessThan(Duration.ofSeconds(10));
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void anEnabledHypervisorAnnotationOverridesTheConfigsVcpusAndMemory() throws Exception {
        String id = "e2e-annot-" + ProcessHandle.current().pid();
        Path file = config("1", "512");
        Files.writeString(file, Files.readString(file).replaceFirst("(?m)^enable_annotations = .*$",
                "enable_annotations = [\"default_vcpus\", \"default_memory\"]"));
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path", file.toString(),
                "--annotation", "io.katacontainers.config.hypervisor.default_vcpus=2",
                "--annotation", "io.katacontainers.config.hypervisor.default_memory=896",
                image, id, "sh", "-c", PROBE);

        assertThat(run.exitCode()).as(run.describe()).isZero();
        Guest guest = Guest.parse(run.stdout());
        assertThat(guest.cpus()).isEqualTo(2);
        assertThat(guest.memTotalMiB()).isBetween(700L, 896L);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aHypervisorAnnotationTheConfigDoesNotEnableFailsTheRunNamingIt() throws Exception {
        String id = "e2e-annot-off-" + ProcessHandle.current().pid();
        Commands.Result run = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                config("1", "512").toString(),
                "--annotation", "io.katacontainers.config.hypervisor.default_memory=4096", image, id, "true");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("io.katacontainers.config.hypervisor.default_memory is not enabled");
        assertThat(run.elapsed()).isLessThan(Duration.ofSeconds(10));
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aSingleContainersLimitsAreAddedAtBootAndUpdateHotplugsMore() throws Exception {
        String id = "e2e-grow-" + ProcessHandle.current().pid();
        // 1 vCPU and 512 MiB for the guest, plus the container's 256 MiB limit.
        assertThat(ctr("run", "-d", "--runtime", RUNTIME, "--runtime-config-path", config("1", "512").toString(),
                "--memory-limit", Long.toString(256L << 20), image, id, "sleep", "600").exitCode()).isZero();
        Guest boot = Guest.parse(ctr("task", "exec", "--exec-id", "p1", id, "sh", "-c", PROBE).stdout());
        assertThat(boot.cpus()).isEqualTo(1);
        assertThat(boot.memTotalMiB()).isBetween(640L, 768L);

        // What the CRI does for a resize: Update with one more CPU's quota and a larger memory limit.
        String resources = "{\"cpu\":{\"quota\":100000,\"period\":100000},\"memory\":{\"limit\":" + (640L << 20) + "}}";
        try (TtrpcClient shim = TtrpcClient.connect(shimSocket(id))) {
            shim.call("containerd.task.v2.Task", "Update", UpdateTaskRequest.newBuilder().setId(id)
                    .setResources(Any.newBuilder()
                            .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/LinuxResources")
                            .setValue(ByteString.copyFrom(resources, StandardCharsets.UTF_8)))
                    .build(), Empty.parser(), Duration.ofMinutes(1));
        }

        Guest grown = Guest.parse(ctr("task", "exec", "--exec-id", "p2", id, "sh", "-c", PROBE).stdout());
        assertThat(grown.cpus()).isEqualTo(2);
        assertThat(grown.memTotalMiB()).isGreaterThanOrEqualTo(boot.memTotalMiB() + 380);
        removeTask(id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    /** The shim's ttrpc socket, from the address file containerd keeps for the task. */
    private static Path shimSocket(String id) throws Exception {
        Path address = containerd.state().resolve("io.containerd.runtime.v2.task")
                .resolve(PrivateContainerd.NAMESPACE).resolve(id).resolve("address");
        return Path.of(Files.readString(address).strip().replaceFirst("^unix://", ""));
    }
}
