package dev.katajava.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CreateContainer's id and spec come from the host over the agent channel. Before anything runs, the agent
 * validates them and encodes the launcher's records: either step may refuse with a {@link ContainerException},
 * and whatever passes must be records the launcher can split (no NUL, lengths that match).
 */
class ContainerSpecFuzzTest {
    private static final String[] NAMESPACES = {"pid", "mount", "uts", "ipc", "network", "cgroup", "user", "time"};
    private static final String[] PATHS = {"/", "/proc", "/dev/shm", "/etc/hosts", "relative", "/a/../../etc",
            "/x\0y", "", "/run/../.."};
    private static final Path ROOT = rootDirectory();

    @FuzzTest(maxDuration = "10s")
    void specsAreRefusedTypedOrEncodedAsWellFormedRecords(FuzzedDataProvider data) {
        String id = data.consumeBoolean() ? "c" + data.consumeInt(0, 9) : data.consumeString(40);
        Spec spec = spec(data);
        byte[] config;
        try {
            SpecValidator.requireId("container id", id);
            SpecValidator.validate(id, spec);
            config = LaunchConfig.forContainer(id, spec, ROOT.resolve("sync"), ROOT.resolve("exec"), data.consumeBoolean(),
                    ROOT.resolve("cgroup"));
        } catch (ContainerException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(id).matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");
        assertThat(LaunchConfigTest.records(config)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.getValue().getBytes(StandardCharsets.UTF_8)).doesNotContain((byte) 0));
    }

    private static Spec spec(FuzzedDataProvider data) {
        Process.Builder process = Process.newBuilder().setCwd(path(data)).setTerminal(data.consumeBoolean());
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            process.addArgs(data.consumeString(16));
        }
        for (int i = data.consumeInt(0, 2); i > 0; i--) {
            process.addEnv(data.consumeString(16));
        }
        Linux.Builder linux = Linux.newBuilder();
        for (int i = data.consumeInt(0, 4); i > 0; i--) {
            linux.addNamespaces(LinuxNamespace.newBuilder()
                    .setType(data.consumeBoolean() ? NAMESPACES[data.consumeInt(0, NAMESPACES.length - 1)]
                            : data.consumeString(8))
                    .setPath(data.consumeInt(0, 3) == 0 ? path(data) : ""));
        }
        for (int i = data.consumeInt(0, 2); i > 0; i--) {
            linux.addMaskedPaths(path(data));
            linux.putSysctl(data.consumeString(12), data.consumeString(8));
        }
        if (data.consumeBoolean()) {
            linux.setRootfsPropagation(data.consumeBoolean() ? "rslave" : data.consumeString(8));
        }
        Spec.Builder spec = Spec.newBuilder()
                .setProcess(process)
                .setRoot(Root.newBuilder().setPath(data.consumeInt(0, 7) == 0 ? path(data) : ROOT.toString())
                        .setReadonly(data.consumeBoolean()))
                .setHostname(data.consumeBoolean() ? "" : data.consumeString(12))
                .setLinux(linux);
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            Mount.Builder m = Mount.newBuilder().setDestination(path(data)).setSource(path(data))
                    .setType(data.consumeBoolean() ? "bind" : data.consumeString(6));
            for (int j = data.consumeInt(0, 2); j > 0; j--) {
                m.addOptions(data.consumeBoolean() ? "rbind" : data.consumeString(8));
            }
            spec.addMounts(m);
        }
        return spec.build();
    }

    private static String path(FuzzedDataProvider data) {
        return data.consumeBoolean() ? PATHS[data.consumeInt(0, PATHS.length - 1)] : data.consumeString(24);
    }

    /** An empty directory standing in for the container's rootfs (nothing is ever mounted on it here). */
    private static Path rootDirectory() {
        try {
            Path root = Files.createTempDirectory("fuzz-rootfs");
            root.toFile().deleteOnExit();
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
