package dev.katajava.qemu.bench;

import com.google.protobuf.ByteString;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.User;
import dev.katajava.qemu.QemuHypervisorProvider;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;
import dev.katajava.virtcontainers.SandboxPaths;
import dev.katajava.virtcontainers.config.AgentConfig;
import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.sizing.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The agent channel measured on its own, per transport: a sandbox VM is booted with the transport forced,
 * then (1) Health.Check round trips, (2) one container's stdout read in bulk with ReadStdout, the way the
 * shim's relay reads it. Usage: {@code AgentTransportBench CONFIG TRANSPORT ROUNDS MIB}; prints key=value lines.
 */
public final class AgentTransportBench {
    private static final Duration CALL = Duration.ofSeconds(30);

    private AgentTransportBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: AgentTransportBench CONFIG TRANSPORT ROUNDS MIB");
            System.exit(2);
        }
        RuntimeConfig file = ConfigLoader.load(Path.of(args[0]));
        String transport = args[1];
        int rounds = Integer.parseInt(args[2]);
        int mib = Integer.parseInt(args[3]);
        RuntimeConfig config = new RuntimeConfig(file.source(), file.hypervisor(),
                new AgentConfig(file.agent().dialTimeout(), false, transport), false, file.disableGuestSeccomp(),
                file.disableHostSocketForwarding(), file.usePassfdIo(), List.of(), file.network(), file.factory());
        Path work = Files.createTempDirectory("agent-bench");
        String id = "bench-" + transport + "-" + ProcessHandle.current().pid();
        Sandbox sandbox = Sandbox.create(id, "bench", config, Workload.NONE, new QemuHypervisorProvider(),
                new SandboxPaths(work.resolve("vm"), work.resolve("shared"), work.resolve("sbs")));
        try {
            long[] micros = roundTrips(sandbox, rounds);
            System.out.printf(Locale.ROOT, "transport=%s rpc_roundtrip_us_median=%d rpc_roundtrip_us_p99=%d rounds=%d%n",
                    transport, micros[micros.length / 2], micros[(int) (micros.length * 0.99)], rounds);
            double mbPerSecond = bulk(sandbox, work, mib);
            System.out.printf(Locale.ROOT, "transport=%s stream_mb_per_s=%.1f mib=%d%n", transport, mbPerSecond, mib);
        } finally {
            sandbox.stop();
        }
    }

    private static long[] roundTrips(Sandbox sandbox, int rounds) throws TtrpcException {
        for (int i = 0; i < Math.min(100, rounds); i++) {
            sandbox.agent().check(CALL);
        }
        long[] micros = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            sandbox.agent().check(CALL);
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        return micros;
    }

    /** Runs dd writing {@code mib} MiB to stdout in a container and reads it all; returns MB/s (10^6 bytes). */
    private static double bulk(Sandbox sandbox, Path work, int mib) throws Exception {
        Path bin = Files.createDirectories(work.resolve("rootfs/bin"));
        Files.createDirectories(work.resolve("rootfs/dev"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("dd"), Path.of("busybox"));
        String cid = "bulk";
        String guestRoot = sandbox.share().shareRootfs(cid, work.resolve("rootfs"));
        Spec spec = Spec.newBuilder()
                .setRoot(Root.newBuilder().setPath(guestRoot))
                .setProcess(Process.newBuilder().addAllArgs(List.of("/bin/dd", "if=/dev/zero", "bs=1M",
                        "count=" + mib)).addEnv("PATH=/bin").setCwd("/").setUser(User.newBuilder()))
                // A /dev tmpfs as ctr gives one: the launcher makes /dev/zero there.
                .addMounts(Mount.newBuilder().setDestination("/dev").setType("tmpfs").setSource("tmpfs")
                        .addAllOptions(List.of("nosuid", "mode=755")))
                .setLinux(Linux.newBuilder()
                        .addNamespaces(LinuxNamespace.newBuilder().setType("pid"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("mount")))
                .build();
        sandbox.agent().createContainer(CreateContainerRequest.newBuilder().setContainerId(cid).setExecId(cid)
                .setOCI(spec).build());
        long start = System.nanoTime();
        sandbox.agent().startContainer(cid);
        long bytes = 0;
        while (true) {
            ByteString chunk;
            try {
                chunk = sandbox.agent().readStdout(cid, "");
            } catch (TtrpcException endOfStream) {
                break;
            }
            bytes += chunk.size();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int status = sandbox.agent().waitProcess(cid, "");
        if (bytes != (long) mib << 20) {
            throw new IllegalStateException("read " + bytes + " bytes, expected " + ((long) mib << 20)
                    + "; dd exited with " + status);
        }
        sandbox.agent().removeContainer(cid, CALL);
        return bytes / seconds / 1e6;
    }
}
