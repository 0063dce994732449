package dev.katajava.virtcontainers.vmcache;

import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.template.TemplateFingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kata-runtime factory init} with {@code vm_cache_number > 0}: keeps that many booted, paused VMs and
 * hands each out once over a root-only Unix socket. After a hand-out a replacement is booted in the
 * background, one at a time (booting is CPU-bound). Stopping it kills the VMs still cached; those handed out
 * belong to their sandboxes.
 */
public final class VmCacheServer implements AutoCloseable {
    private static final Log LOG = Log.of("factory");
    /** How long a client may take to send its request. */
    private static final Duration CLIENT_PATIENCE = Duration.ofSeconds(5);
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);

    private final Path endpoint;
    private final int target;
    private final VmSource source;
    private final TemplateFingerprint fingerprint;
    private final Deque<CachedVm> ready = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ServerSocketChannel listener;
    private Thread refiller;
    /** Guarded by this. */
    private boolean booting;
    private boolean stopping;
    private int handedOut;

    public VmCacheServer(Path endpoint, int target, VmSource source) {
        if (target < 1) {
            throw new IllegalArgumentException("a VM cache keeps at least one VM, not " + target);
        }
        this.endpoint = endpoint;
        this.target = target;
        this.source = source;
        this.fingerprint = TemplateFingerprint.parse(source.fingerprint());
    }

    /** Listens on the endpoint (refusing when a server already answers there) and starts filling the cache. */
    public void start() throws VmCacheException {
        if (VmCacheClient.answers(endpoint)) {
            throw new VmCacheException("a VM cache server already answers on " + endpoint
                    + " (kata-runtime factory destroy stops it)");
        }
        Path tmp = endpoint.resolveSibling(endpoint.getFileName() + ".new");
        try {
            Files.createDirectories(endpoint.getParent());
            Files.deleteIfExists(tmp);
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(tmp));
            // Made root-only under another name, then renamed: nobody can connect while it is still open to all.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, endpoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            closeListener();
            throw new VmCacheException("cannot listen on " + endpoint + ": " + e.getMessage(), e);
        }
        Thread.ofPlatform().name("vmcache-accept").daemon().start(this::acceptLoop);
        refiller = Thread.ofPlatform().name("vmcache-refill").daemon().start(this::refillLoop);
        LOG.info("VM cache listening", "endpoint", endpoint, "vms", target);
    }

    /** Blocks until {@link #close} has finished (from a signal's shutdown hook or a {@code stop} request). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** What {@code factory status} shows. */
    public synchronized Map<String, String> status() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("result", "status");
        m.put("ready", Integer.toString(ready.size()));
        m.put("booting", Boolean.toString(booting));
        m.put("target", Integer.toString(target));
        m.put("handed_out", Integer.toString(handedOut));
        m.put("endpoint", endpoint.toString());
        return m;
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().name("vmcache-client").start(() -> serve(client));
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(client));
            OutputStream out = Channels.newOutputStream(client);
            Map<String, String> request;
            var timer = Thread.ofVirtual().start(() -> closeAfter(client, CLIENT_PATIENCE));
            try {
                request = VmCacheWire.read(in);
            } finally {
                timer.interrupt();
            }
            String op = request.getOrDefault("op", "");
            switch (op) {
                case "take" -> VmCacheWire.write(out, take(VmCacheWire.fingerprint(request)));
                case "status" -> VmCacheWire.write(out, status());
                case "stop" -> {
                    VmCacheWire.write(out, Map.of("result", "stopping"));
                    Thread.ofPlatform().start(this::close);
                }
                default -> VmCacheWire.write(out, Map.of("result", "error", "reason",
                        "unknown op \"" + op + "\" (take, status or stop)"));
            }
        } catch (IOException | VmCacheException e) {
            LOG.warn("VM cache request failed", "error", e.getMessage());
        }
    }

    private static void closeAfter(SocketChannel client, Duration patience) {
        try {
            Thread.sleep(patience);
            client.close();
        } catch (InterruptedException | IOException e) {
            // Answered in time, or already closed.
        }
    }

    /** Hands out the oldest ready VM if it was booted from the configuration the client has. */
    private Map<String, String> take(String wanted) {
        String mismatch;
        try {
            mismatch = fingerprint.mismatch(TemplateFingerprint.parse(wanted));
        } catch (IllegalArgumentException e) {
            mismatch = "the request's fingerprint is unreadable: " + e.getMessage();
        }
        if (mismatch != null) {
            return Map.of("result", "mismatch", "reason", "the cached VMs were booted from another configuration: "
                    + mismatch.replace("the template", "the cache"));
        }
        CachedVm vm;
        synchronized (this) {
            vm = stopping ? null : ready.pollFirst();
            if (vm != null) {
                handedOut++;
                notifyAll();
            }
        }
        if (vm == null) {
            return Map.of("result", "none", "reason", stopping ? "the cache is stopping" : "no VM is ready yet"
                    + " (the cache boots one at a time)");
        }
        LOG.info("VM handed out", "vm", vm.name(), "pid", vm.pid());
        return VmCacheWire.describe(vm);
    }

    private void refillLoop() {
        while (true) {
            synchronized (this) {
                while (!stopping && ready.size() >= target) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                booting = true;
            }
            CachedVm vm = null;
            try {
                long started = System.nanoTime();
                vm = source.boot();
                LOG.info("VM cached", "vm", vm.name(), "pid", vm.pid(), "ms", (System.nanoTime() - started) / 1_000_000);
            } catch (VmCacheException e) {
                LOG.warn("cannot boot a VM for the cache; trying again", "error", e.getMessage(),
                        "retry_ms", RETRY_AFTER_FAILURE.toMillis());
            } catch (InterruptedException e) {
                synchronized (this) {
                    booting = false;
                }
                return;
            }
            boolean keep;
            synchronized (this) {
                booting = false;
                keep = vm != null && !stopping;
                if (keep) {
                    ready.addLast(vm);
                }
                notifyAll();
            }
            if (vm != null && !keep) {
                source.discard(vm);
            }
            if (vm == null && !sleep(RETRY_AFTER_FAILURE)) {
                return;
            }
        }
    }

    private synchronized boolean sleep(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (!stopping) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    /** Stops listening, waits for a boot under way, and kills every VM still in the cache. */
    @Override
    public void close() {
        List<CachedVm> left;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            notifyAll();
        }
        closeListener();
        try {
            Files.deleteIfExists(endpoint);
        } catch (IOException e) {
            LOG.warn("cannot remove the VM cache socket", "endpoint", endpoint, "error", e.getMessage());
        }
        if (refiller != null) {
            try {
                // A boot under way finishes (and is discarded) rather than leave a half-made VM.
                refiller.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            left = new ArrayList<>(ready);
            ready.clear();
        }
        for (CachedVm vm : left) {
            source.discard(vm);
        }
        LOG.info("VM cache stopped", "discarded", left.size(), "handed_out", handedOut);
        stopped.countDown();
    }

    private void closeListener() {
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException e) {
                // Closing: nothing to do.
            }
        }
    }
}
