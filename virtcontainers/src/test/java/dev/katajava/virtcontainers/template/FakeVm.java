package dev.katajava.virtcontainers.template;

import com.google.protobuf.Empty;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.GetMetricsRequest;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.Interfaces;
import dev.katajava.protocols.agent.ListInterfacesRequest;
import dev.katajava.protocols.agent.ListRoutesRequest;
import dev.katajava.protocols.agent.Metrics;
import dev.katajava.protocols.agent.Routes;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.SetGuestDateTimeRequest;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcServer;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.hypervisor.LaunchBackends;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in VM whose "agent" is a ttrpc server on the virtio-serial socket path, answering health checks,
 * recording the reseed and clock calls and running the training container ({@link FakeTrainingGuest}); it
 * saves a template by writing the files QEMU would.
 */
final class FakeVm implements Hypervisor {
    final VmSpec spec;
    private final boolean agentAnswers;
    final FakeTrainingGuest guest;
    /** Whether the guest still had a sandbox when the template was saved. */
    volatile boolean savedWithSandbox;
    final List<byte[]> seeds = new CopyOnWriteArrayList<>();
    final List<Long> clockSeconds = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private TtrpcServer server;
    volatile boolean started;
    volatile boolean stopped;

    FakeVm(VmSpec spec, boolean agentAnswers, boolean garbledTraining) {
        this.spec = spec;
        this.agentAnswers = agentAnswers;
        this.guest = new FakeTrainingGuest(garbledTraining);
    }

    /** A provider handing out FakeVms and remembering them. */
    static final class Provider implements HypervisorProvider {
        final List<FakeVm> made = new CopyOnWriteArrayList<>();
        private final boolean agentAnswers;
        private final boolean garbledTraining;

        Provider(boolean agentAnswers) {
            this(agentAnswers, false);
        }

        Provider(boolean agentAnswers, boolean garbledTraining) {
            this.agentAnswers = agentAnswers;
            this.garbledTraining = garbledTraining;
        }

        @Override
        public String name() {
            return "qemu";
        }

        @Override
        public Hypervisor create(VmSpec spec) {
            FakeVm vm = new FakeVm(spec, agentAnswers, garbledTraining);
            made.add(vm);
            return vm;
        }
    }

    @Override
    public void start(LaunchBackends backends) {
        started = true;
        if (!agentAnswers) {
            return;
        }
        try {
            server = new TtrpcServer(guest.register(new ServiceRegistry())
                    .register("grpc.Health", "Check", CheckRequest.parser(), (ctx, req) -> HealthCheckResponse
                            .newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                    .register("grpc.AgentService", "GetMetrics", GetMetricsRequest.parser(), (ctx, req) ->
                            Metrics.newBuilder().setMetrics("kata_agent_threads 1\n").build())
                    .register("grpc.AgentService", "ListInterfaces", ListInterfacesRequest.parser(), (ctx, req) ->
                            Interfaces.getDefaultInstance())
                    .register("grpc.AgentService", "ListRoutes", ListRoutesRequest.parser(), (ctx, req) ->
                            Routes.getDefaultInstance())
                    .register("grpc.AgentService", "ReseedRandomDev", ReseedRandomDevRequest.parser(), (ctx, req) -> {
                        seeds.add(req.getData().toByteArray());
                        return Empty.getDefaultInstance();
                    })
                    .register("grpc.AgentService", "SetGuestDateTime", SetGuestDateTimeRequest.parser(), (ctx, req) -> {
                        clockSeconds.add(req.getSec());
                        return Empty.getDefaultInstance();
                    }));
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(spec.agent().socket()));
            Thread.ofVirtual().start(() -> {
                try {
                    server.listen(listener, false);
                } catch (IOException e) {
                    // Closed by stop.
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void saveAsTemplate() {
        savedWithSandbox = guest.sandboxExists();
        try (RandomAccessFile memory = new RandomAccessFile(spec.template().memoryFile().toFile(), "rw")) {
            memory.setLength((long) spec.size().memoryMiB() << 20);
            Files.writeString(spec.template().stateFile(), "device state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Accelerator acceleratorInUse() {
        return Accelerator.TCG;
    }

    @Override
    public long pid() {
        return 4242;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        stopped = true;
        if (server != null) {
            server.close();
        }
        exited.complete(0);
    }

    @Override
    public VmSize size() {
        return spec.size();
    }

    @Override
    public VmSize grow(int vcpus, int memoryMiB) {
        return spec.size();
    }

    @Override
    public String consoleTail(int maxBytes) {
        return "";
    }
}
