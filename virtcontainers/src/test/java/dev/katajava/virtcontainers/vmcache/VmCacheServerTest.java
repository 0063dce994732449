package dev.katajava.virtcontainers.vmcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmCacheServerTest {
    @TempDir
    Path dir;

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }

    private static int ready(Path endpoint) {
        try {
            return Integer.parseInt(VmCacheClient.status(endpoint).get("ready"));
        } catch (VmCacheException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void handsOutEachVmOnceAndRefillsBehindIt() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        FakeVmSource source = new FakeVmSource(dir);
        try (VmCacheServer server = new VmCacheServer(endpoint, 2, source)) {
            server.start();
            await(() -> ready(endpoint) == 2);
            var first = assertInstanceOf(VmCacheClient.Vm.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT));
            var second = assertInstanceOf(VmCacheClient.Vm.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT));
            assertNotEquals(first.vm().name(), second.vm().name());
            assertEquals(source.booted.get(0), first.vm());
            await(() -> ready(endpoint) == 2);
            assertEquals(4, source.booted.size());
            assertEquals("2", VmCacheClient.status(endpoint).get("handed_out"));
            var third = assertInstanceOf(VmCacheClient.Vm.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT));
            assertFalse(third.vm().name().equals(first.vm().name()) || third.vm().name().equals(second.vm().name()));
        }
        assertTrue(source.discarded.stream().noneMatch(v -> v.name().equals(source.booted.get(0).name())),
                "a handed-out VM is the sandbox's: the server must not discard it");
    }

    @Test
    void stoppingDiscardsTheCachedVmsAndRemovesTheSocket() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        FakeVmSource source = new FakeVmSource(dir);
        VmCacheServer server = new VmCacheServer(endpoint, 2, source);
        server.start();
        await(() -> ready(endpoint) == 2);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(endpoint)));
        VmCacheClient.stop(endpoint);
        server.awaitStopped();
        assertEquals(source.booted, source.discarded);
        assertFalse(Files.exists(endpoint));
    }

    @Test
    void aDifferentConfigurationGetsNoVmAndTheFirstDifference() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        FakeVmSource source = new FakeVmSource(dir);
        try (VmCacheServer server = new VmCacheServer(endpoint, 1, source)) {
            server.start();
            await(() -> ready(endpoint) == 1);
            var cold = assertInstanceOf(VmCacheClient.Cold.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT.replace("size=1 vCPU", "size=2 vCPUs")));
            assertTrue(cold.reason().contains("size differs"), cold.reason());
            assertEquals(1, ready(endpoint), "a refused request leaves the VM cached");
        }
    }

    @Test
    void anEmptyCacheSaysSo() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        FakeVmSource source = new FakeVmSource(dir);
        source.failing = true;
        try (VmCacheServer server = new VmCacheServer(endpoint, 1, source)) {
            server.start();
            var cold = assertInstanceOf(VmCacheClient.Cold.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT));
            assertTrue(cold.reason().contains("no VM is ready"), cold.reason());
        }
    }

    @Test
    void noServerMeansColdNamingTheEndpoint() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        var missing = assertInstanceOf(VmCacheClient.Cold.class, VmCacheClient.take(endpoint,
                FakeVmSource.FINGERPRINT));
        assertTrue(missing.reason().contains(endpoint + " does not exist"), missing.reason());
        // A socket left behind by a server that died.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(endpoint));
        dead.close();
        var stale = assertInstanceOf(VmCacheClient.Cold.class, VmCacheClient.take(endpoint,
                FakeVmSource.FINGERPRINT));
        assertTrue(stale.reason().contains("unreachable"), stale.reason());
    }

    @Test
    void aMalformedAnswerMeansColdWithAClearError() throws Exception {
        assertMalformed("garbage without an equals sign\n\n", "not a key=value line");
        assertMalformed("result=vm\nname=vmcache-0000000000000001\n\n", "described its VM wrongly: no ");
        assertMalformed("result=vm\nname=../../etc\npid=5\n\n", "malformed");
        assertMalformed("result=vm\n", "ended before");
    }

    private void assertMalformed(String answer, String expected) throws Exception {
        Path endpoint = dir.resolve("fake-" + Integer.toHexString(answer.hashCode()) + ".sock");
        try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            fake.bind(UnixDomainSocketAddress.of(endpoint));
            Thread t = Thread.ofVirtual().start(() -> {
                try (SocketChannel c = fake.accept()) {
                    VmCacheWire.read(Channels.newInputStream(c));
                    Channels.newOutputStream(c).write(answer.getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            var cold = assertInstanceOf(VmCacheClient.Cold.class, VmCacheClient.take(endpoint,
                    FakeVmSource.FINGERPRINT));
            assertTrue(cold.reason().contains(expected), cold.reason());
            t.join();
        }
    }

    @Test
    void aSecondServerOnTheSameEndpointIsRefused() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        try (VmCacheServer server = new VmCacheServer(endpoint, 1, new FakeVmSource(dir))) {
            server.start();
            VmCacheServer second = new VmCacheServer(endpoint, 1, new FakeVmSource(dir));
            VmCacheException e = assertThrows(VmCacheException.class, second::start);
            assertTrue(e.getMessage().contains("already answers"), e.getMessage());
        }
    }

    @Test
    void anUnknownRequestIsAnsweredWithAnError() throws Exception {
        Path endpoint = dir.resolve("cache.sock");
        try (VmCacheServer server = new VmCacheServer(endpoint, 1, new FakeVmSource(dir))) {
            server.start();
            Map<String, String> answer = VmCacheClient.ask(endpoint, Map.of("op", "reboot"));
            assertEquals("error", answer.get("result"));
            assertTrue(answer.get("reason").contains("unknown op \"reboot\""));
        }
    }
}
