package dev.katajava.virtcontainers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.katajava.protocols.agent.CheckRequest;
import dev.katajava.protocols.agent.HealthCheckResponse;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.ttrpc.ByteStream;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.ttrpc.TtrpcServer;
import dev.katajava.transport.UnixSocketTransport;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stand-in agent on a Unix socket whose connections the test drops, as a guest resetting vsock would. */
class AgentConnectionTest {
    private static final Duration SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private ServerSocketChannel listener;
    private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger starts = new AtomicInteger();
    private final AtomicBoolean vmAlive = new AtomicBoolean(true);
    private volatile CountDownLatch readGate = new CountDownLatch(0);
    private volatile CountDownLatch readArrived = new CountDownLatch(1);

    @BeforeEach
    void startAgent() throws Exception {
        ServiceRegistry registry = new ServiceRegistry()
                .register(AgentClient.HEALTH_SERVICE, "Check", CheckRequest.parser(), (ctx, req) ->
                        HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                .register(AgentClient.AGENT_SERVICE, "ReadStdout", ReadStreamRequest.parser(), (ctx, req) -> {
                    readArrived.countDown();
                    try {
                        readGate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ReadStreamResponse.newBuilder().setData(ByteString.copyFromUtf8("output")).build();
                })
                .register(AgentClient.AGENT_SERVICE, "StartContainer", StartContainerRequest.parser(), (ctx, req) -> {
                    starts.incrementAndGet();
                    try {
                        readGate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Empty.getDefaultInstance();
                });
        TtrpcServer server = new TtrpcServer(registry);
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    SocketChannel c = listener.accept();
                    accepted.add(c);
                    Thread.ofPlatform().daemon().start(() -> {
                        try {
                            server.serve(ByteStream.of(c));
                        } catch (Exception ignored) {
                            // the test dropped it
                        }
                    });
                }
            } catch (Exception closed) {
                // listener closed
            }
        });
    }

    @AfterEach
    void stopAgent() throws Exception {
        readGate.countDown();
        listener.close();
        for (SocketChannel c : accepted) {
            c.close();
        }
    }

    private AgentClient client() throws Exception {
        UnixSocketTransport transport = new UnixSocketTransport(dir.resolve("agent.sock"));
        return new AgentClient(new TtrpcClient(transport.dial(SECONDS)),
                () -> vmAlive.get() ? new TtrpcClient(transport.dial(SECONDS)) : null);
    }

    private void dropConnections() throws Exception {
        for (SocketChannel c : accepted) {
            c.close();
        }
        accepted.clear();
    }

    @Test
    void aCallAfterTheConnectionDroppedGoesOutOnANewOne() throws Exception {
        AgentClient agent = client();
        assertThat(agent.check(SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        dropConnections();
        Thread.sleep(100);

        assertThat(agent.check(SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(agent.isClosed()).isFalse();
    }

    @Test
    void aReadInFlightWhenTheConnectionDropsIsRepeatedOnTheNewOne() throws Exception {
        AgentClient agent = client();
        readGate = new CountDownLatch(1);
        CompletableFuture<ByteString> read = CompletableFuture.supplyAsync(() -> {
            try {
                return agent.readStdout("c1", "");
            } catch (TtrpcException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(readArrived.await(5, TimeUnit.SECONDS)).isTrue();

        dropConnections();
        readGate.countDown();

        assertThat(read.get(10, TimeUnit.SECONDS).toStringUtf8()).isEqualTo("output");
    }

    @Test
    void aCallThatChangesStateIsNotRepeatedButTheNextCallWorks() throws Exception {
        AgentClient agent = client();
        readGate = new CountDownLatch(1);
        CompletableFuture<Void> start = CompletableFuture.runAsync(() -> {
            try {
                agent.startContainer("c1");
            } catch (TtrpcException e) {
                throw new IllegalStateException(e);
            }
        });
        while (starts.get() == 0) {
            Thread.sleep(10);
        }

        dropConnections();

        assertThatThrownBy(() -> start.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        readGate.countDown();
        assertThat(starts.get()).isEqualTo(1);
        assertThat(agent.check(SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void whenTheVmIsGoneCallsFailAndTheClientIsClosedForGood() throws Exception {
        AgentClient agent = client();
        // Answered, so the stand-in agent has accepted (and can drop) the connection.
        assertThat(agent.check(SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        vmAlive.set(false);

        dropConnections();
        Thread.sleep(100);

        assertThatThrownBy(() -> agent.check(SECONDS))
                .isInstanceOf(TtrpcException.class)
                .satisfies(e -> assertThat(((TtrpcException) e).code()).isEqualTo(Code.UNAVAILABLE));
        assertThat(agent.isClosed()).isTrue();
    }
}
