package dev.katajava.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.qtest.QemuBinary;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU as the front end. With no guest kernel the virtio driver never starts the device, so what can be
 * observed is the handshake QEMU performs when it realizes vhost-user-vsock-pci.
 */
class QemuHandshakeIT {
    private static final long CID = 42;

    @TempDir
    Path dir;

    @Test
    void qemuCompletesTheVhostUserHandshakeAndReadsTheGuestCid() throws Exception {
        assertThat(QemuBinary.installed()).as(QemuBinary.NAME + " on the PATH (scripts/deps.sh installs it)").isTrue();
        Path vhostSocket = dir.resolve("vhost.sock");
        Path log = dir.resolve("qemu.log");
        ByteArrayOutputStream backendLog = new ByteArrayOutputStream();
        Log.configure(backendLog, Level.DEBUG);
        try (VhostUserVsockBackend backend = VhostUserVsockBackend.start(vhostSocket, dir.resolve("vsock.sock"), CID)) {
            Process qemu = new ProcessBuilder(QemuBinary.NAME, "-accel", "tcg", "-m", "128M",
                    "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
                    "-machine", "q35,memory-backend=mem",
                    "-chardev", "socket,id=vsock0,path=" + vhostSocket,
                    "-device", "vhost-user-vsock-pci,chardev=vsock0",
                    "-display", "none", "-nodefaults", "-no-reboot",
                    "-monitor", "none", "-serial", "none")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!backend.requestsSeen().contains("GET_CONFIG") && qemu.isAlive()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                // Give QEMU a moment to send anything that follows the config read.
                Thread.sleep(1000);
                List<String> seen = backend.requestsSeen();
                System.out.println("QEMU vhost-user requests: " + seen);
                System.out.println("QEMU output: " + Files.readString(log));
                System.out.println("Backend log:\n" + backendLog);
                assertThat(qemu.isAlive()).as("QEMU still running; its output: %s", Files.readString(log)).isTrue();
                assertThat(seen.getFirst()).isEqualTo("GET_FEATURES");
                assertThat(seen).containsSubsequence("GET_FEATURES", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES",
                        "SET_OWNER", "SET_VRING_CALL", "GET_CONFIG");
                assertThat(backendLog.toString(StandardCharsets.UTF_8)).doesNotContain("refused");
            } finally {
                qemu.destroy();
                qemu.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(backend.awaitFrontEndGone(10, TimeUnit.SECONDS)).as("backend noticed QEMU leaving").isTrue();
        }
    }
}
