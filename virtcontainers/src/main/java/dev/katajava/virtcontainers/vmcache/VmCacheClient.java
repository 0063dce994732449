package dev.katajava.virtcontainers.vmcache;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shim's and {@code kata-runtime}'s side of the cache socket. */
public final class VmCacheClient {
    /** The server answers from memory: anything slower is a server in trouble, and the sandbox boots cold. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

    /** What a take request got: a VM, or why the sandbox boots cold. */
    public sealed interface Taken {
    }

    public record Vm(CachedVm vm) implements Taken {
    }

    public record Cold(String reason) implements Taken {
    }

    private VmCacheClient() {
    }

    /** Asks for a VM booted from the configuration with this fingerprint (rendered); never throws. */
    public static Taken take(Path endpoint, String fingerprint) {
        Map<String, String> request = new LinkedHashMap<>();
        request.put("op", "take");
        VmCacheWire.putFingerprint(request, fingerprint);
        Map<String, String> answer;
        try {
            answer = ask(endpoint, request);
        } catch (VmCacheException e) {
            return new Cold(e.getMessage());
        }
        try {
            return switch (answer.getOrDefault("result", "")) {
                case "vm" -> new Vm(VmCacheWire.parseVm(answer));
                case "none", "mismatch" -> new Cold(answer.getOrDefault("reason", "the cache gave no VM"));
                default -> new Cold("the VM cache at " + endpoint + " answered \"" + answer.getOrDefault("result", "")
                        + "\": " + answer.getOrDefault("reason", "no reason given"));
            };
        } catch (VmCacheException e) {
            return new Cold("the VM cache at " + endpoint + " gave a malformed answer: " + e.getMessage());
        }
    }

    /** The server's status lines. */
    public static Map<String, String> status(Path endpoint) throws VmCacheException {
        return ask(endpoint, Map.of("op", "status"));
    }

    /** Asks the server to stop (it kills the VMs still cached). */
    public static void stop(Path endpoint) throws VmCacheException {
        ask(endpoint, Map.of("op", "stop"));
    }

    /** Whether a server answers on {@code endpoint}. */
    public static boolean answers(Path endpoint) {
        try {
            status(endpoint);
            return true;
        } catch (VmCacheException e) {
            return false;
        }
    }

    private static void closeAfter(SocketChannel ch, Duration patience) {
        try {
            Thread.sleep(patience);
            ch.close();
        } catch (InterruptedException | IOException e) {
            // Answered in time.
        }
    }

    static Map<String, String> ask(Path endpoint, Map<String, String> request) throws VmCacheException {
        if (!Files.exists(endpoint)) {
            throw new VmCacheException("no VM cache server: " + endpoint + " does not exist (kata-runtime factory"
                    + " init starts one)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(endpoint));
            var timer = Thread.ofVirtual().start(() -> closeAfter(ch, ANSWER_TIMEOUT));
            try {
                VmCacheWire.write(Channels.newOutputStream(ch), request);
                return VmCacheWire.read(new java.io.BufferedInputStream(Channels.newInputStream(ch)));
            } finally {
                timer.interrupt();
            }
        } catch (IOException e) {
            throw new VmCacheException("the VM cache at " + endpoint + " is unreachable: " + e.getMessage(), e);
        } catch (VmCacheException e) {
            throw new VmCacheException("the VM cache at " + endpoint + " gave a malformed answer: "
                    + e.getMessage(), e);
        }
    }
}
