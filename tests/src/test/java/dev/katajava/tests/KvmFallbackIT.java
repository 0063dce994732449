package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.qemu.accel.HostFacts;
import dev.katajava.qemu.accel.KvmVerdict;
import dev.katajava.tests.support.BusyboxImage;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.HangingKernel;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host whose /dev/kvm opens but whose KVM runs the firmware and then hangs the guest kernel, made on any
 * host: the shims see a stand-in KVM device that opens, and a QEMU wrapper turns every KVM launch into one
 * whose kernel hangs silently after SeaBIOS has printed its banner, as Debian's kernel does on nested
 * paravirtual KVM. Everything else is real: containerd, QEMU under TCG, the guest, the agent.
 */
class KvmFallbackIT {
    /** The agent's dial timeout: a start that trusted the hanging KVM would stall this long and then fail. */
    private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(45);
    private static final Pattern CONFIG_PATH = Pattern.compile("(?m)^path = \"([^\"]+)\"$");
    private static final Pattern CONFIG_KERNEL = Pattern.compile("(?m)^kernel = \"([^\"]+)\"$");

    private static Path dir;
    private static Path wrapper;
    private static Path launches;
    private static Path kernel;
    private static String baseConfig;
    private static PrivateContainerd containerd;
    private static String image;

    @BeforeAll
    static void startContainerdWithAKvmThatHangsGuests() throws Exception {
        dir = Files.createTempDirectory("kvm-fallback");
        baseConfig = Files.readString(E2eEnvironment.CONFIG);
        Path realQemu = Path.of(group(CONFIG_PATH.matcher(baseConfig)));
        kernel = Path.of(group(CONFIG_KERNEL.matcher(baseConfig)));
        Path stub = HangingKernel.write(dir.resolve("hanging-vmlinux"));
        launches = dir.resolve("launches");
        wrapper = dir.resolve("qemu-kvm-hangs");
        Files.writeString(wrapper, """
                #!/bin/sh
                # A KVM launch becomes a TCG one whose kernel hangs after the firmware; others run as asked.
                accel=none
                prev=
                for a in "$@"; do [ "$prev" = -accel ] && accel=${a%%%%,*}; prev=$a; done
                echo "$accel" >> '%s'
                if [ "$accel" = kvm ]; then
                    count=$#
                    prev=
                    for a in "$@"; do
                        case "$prev" in
                            -accel) set -- "$@" tcg ;;
                            -cpu) set -- "$@" max ;;
                            -kernel) set -- "$@" '%s' ;;
                            *) set -- "$@" "$a" ;;
                        esac
                        prev=$a
                    done
                    shift "$count"
                fi
                exec '%s' "$@"
                """.formatted(launches, stub, realQemu));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path device = Files.writeString(dir.resolve("kvm-device"), "");
        containerd = PrivateContainerd.start(E2eEnvironment.PREFIX, E2eEnvironment.CONFIG,
                Map.of(HostFacts.KVM_DEVICE_ENV, device.toString()));
        image = BusyboxImage.importInto(containerd, E2eEnvironment.REPO);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        Files.deleteIfExists(verdict());
        Commands.run(List.of("rm", "-rf", dir.toString()), Map.of(), Duration.ofSeconds(30));
    }

    private static String group(Matcher m) {
        if (!m.find()) {
            throw new AssertionError("the staged configuration has no " + m.pattern());
        }
        return m.group(1);
    }

    /** Where the shims remember the verdict on this wrapper and kernel (the system's own QEMU's is untouched). */
    private static Path verdict() {
        return KvmVerdict.fileFor(KvmVerdict.DEFAULT_DIR, wrapper, kernel);
    }

    private static Path config(String name, String extra) throws Exception {
        String text = CONFIG_PATH.matcher(baseConfig).replaceFirst(Matcher.quoteReplacement("path = \"" + wrapper + "\""))
                .replaceFirst("(?m)^accelerator = .*$", "accelerator = \"auto\"");
        return Files.writeString(dir.resolve(name), text.replaceFirst("(?m)^shared_fs = .*$", extra));
    }

    private static List<String> launchesSince(int before) throws Exception {
        List<String> all = Files.exists(launches) ? Files.readAllLines(launches) : List.of();
        return new ArrayList<>(all.subList(before, all.size()));
    }

    private static int launchCount() throws Exception {
        return Files.exists(launches) ? Files.readAllLines(launches).size() : 0;
    }

    private static Commands.Result run(Path config, String id) throws Exception {
        return containerd.ctr(List.of("run", "--rm", "--runtime", E2eEnvironment.RUNTIME, "--runtime-config-path",
                config.toString(), image, id, "sh", "-c", "echo hello from $(uname -r)"), Duration.ofMinutes(3));
    }

    @Test
    void aKvmThatHangsTheGuestAfterItsFirmwareIsLeftForTcgOnceAndTheVerdictSparesTheNextRun() throws Exception {
        Files.deleteIfExists(verdict());
        Path config = config("9p.toml", "shared_fs = \"virtio-9p\"");
        String first = "kvm-fallback-" + ProcessHandle.current().pid() + "-1";
        int before = launchCount();

        Commands.Result run = run(config, first);

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("hello from 6.");
        assertThat(run.elapsed()).as("no stall waiting for an agent in a hung guest").isLessThan(DIAL_TIMEOUT);
        assertThat(launchesSince(before)).containsExactly("kvm", "tcg");
        assertThat(Files.readString(verdict())).contains("the guest kernel did not start within")
                .contains("SeaBIOS").contains("Booting from ROM..");
        assertThat(Files.readString(containerd.log())).contains("KVM does not give a working guest");
        assertThat(Leaks.awaitNone(first, containerd, Duration.ofSeconds(10))).isEmpty();
        System.out.printf("KVM hanging after firmware: first run %d ms (probe included)%n", run.elapsed().toMillis());

        String second = "kvm-fallback-" + ProcessHandle.current().pid() + "-2";
        before = launchCount();
        Commands.Result again = run(config, second);

        assertThat(again.exitCode()).as(again.describe()).isZero();
        assertThat(launchesSince(before)).as("the verdict skips the probe").containsExactly("tcg");
        assertThat(Files.readString(containerd.log())).contains("KVM found unusable earlier on this boot");
        assertThat(Leaks.awaitNone(second, containerd, Duration.ofSeconds(10))).isEmpty();
        System.out.printf("KVM hanging after firmware: second run %d ms%n", again.elapsed().toMillis());
    }

    @Test
    void virtioFsGetsAFreshDaemonForTheTcgLaunchAfterTheKvmProbe() throws Exception {
        Files.deleteIfExists(verdict());
        Path daemon = Path.of("/usr/lib/qemu/virtiofsd");
        assertThat(daemon).as("scripts/deps.sh installs QEMU's virtiofsd").isExecutable();
        Path config = config("virtio-fs.toml", "shared_fs = \"virtio-fs\"\nvirtio_fs_daemon = \"" + daemon + "\"");
        String id = "kvm-fallback-vfs-" + ProcessHandle.current().pid();
        int before = launchCount();

        Commands.Result run = containerd.ctr(List.of("run", "--rm", "--runtime", E2eEnvironment.RUNTIME,
                "--runtime-config-path", config.toString(), image, id, "sh", "-c", "grep ' / ' /proc/mounts"),
                Duration.ofMinutes(3));

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("kataShared / virtiofs ");
        assertThat(launchesSince(before)).containsExactly("kvm", "tcg");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
