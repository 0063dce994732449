package dev.katajava.qemu.hotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.NetDevice;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveDevicesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private QmpClient client;

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    private VmSpec spec(String machine, VmSize size, int nicSlots) {
        return new VmSpec("sb1", dir, dir.resolve("qemu"), dir.resolve("vmlinux"), dir.resolve("initrd"), machine,
                List.of(), size, Accelerator.TCG, ShareDevice.virtio9p(dir),
                AgentEndpoint.virtioSerial(dir.resolve("agent.sock")), false, nicSlots);
    }

    private LiveDevices devices(String machine, VmSize size, int nicSlots, LiveDevices.Connection qmp) {
        return new LiveDevices(spec(machine, size, nicSlots), dir.resolve("qmp-fd.sock"), TIMEOUT, qmp);
    }

    private static LiveDevices.Connection noQemu() {
        return () -> {
            throw new QmpException("QEMU for sandbox sb1 is not running");
        };
    }

    /** A QMP connection whose peer records each command and answers it with an empty return. */
    private QmpClient answeringPeer() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel mine = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            SocketChannel peer = server.accept();
            Thread.ofPlatform().daemon().start(() -> answer(peer));
            client = QmpClient.over(mine);
            client.negotiate(TIMEOUT);
            return client;
        }
    }

    private void answer(SocketChannel peer) {
        try (peer; var lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8))) {
            write(peer, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode cmd = JSON.readTree(line);
                commands.add(cmd.path("execute").asText());
                write(peer, "{\"return\": {}, \"id\": " + cmd.get("id") + "}\r\n");
            }
        } catch (Exception e) {
            // The client closed.
        }
    }

    private static void write(SocketChannel ch, String s) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Test
    void underTcgTheVcpusPresentAtBootAreRecordedWithoutAnyPlugging() throws Exception {
        QmpClient qmp = answeringPeer();
        LiveDevices devices = devices("q35", new VmSize(1, 2, 256, 256, 0), 0, () -> qmp);

        VmSize grown = devices.grow(2, 256, Accel.TCG);

        assertThat(grown.vcpus()).isEqualTo(2);
        assertThat(devices.size()).isEqualTo(grown);
        assertThat(commands).filteredOn(c -> !c.equals("qmp_capabilities")).isEmpty();
    }

    @Test
    void memoryGrowsByWholeBlocksWithinTheMaximumAndTheSizeRecordsIt() throws Exception {
        QmpClient qmp = answeringPeer();
        LiveDevices devices = devices("q35", new VmSize(1, 1, 256, 512, 2), 0, () -> qmp);

        VmSize grown = devices.grow(1, 1000, Accel.TCG);

        assertThat(grown.memoryMiB()).as("capped at the maximum, in 128 MiB blocks").isEqualTo(512);
        assertThat(devices.size().memoryMiB()).isEqualTo(512);
        assertThat(commands).containsSubsequence("object-add", "device_add");
        assertThat(devices.grow(1, 256, Accel.TCG)).as("never shrinks").isEqualTo(grown);
    }

    @Test
    void aMachineWithoutHotplugKeepsItsSizeAndNeedsNoQemu() throws Exception {
        LiveDevices devices = devices("microvm", new VmSize(1, 2, 256, 512, 2), 0, noQemu());

        assertThat(devices.grow(2, 512, Accel.TCG)).isEqualTo(new VmSize(1, 2, 256, 512, 2));
    }

    @Test
    void aNicForAVmBootedWithoutPortsIsRefusedSayingWhy() {
        LiveDevices devices = devices("q35", VmSize.fixed(1, 256), 0, noQemu());

        assertThatThrownBy(() -> devices.addNetDevice(new NetDevice("eth0", 3, "02:00:00:00:00:01", 1500, false)))
                .isInstanceOf(HypervisorException.class)
                .hasMessageContaining("cannot plug NIC eth0")
                .hasMessageContaining("booted without network device ports");
    }
}
