package dev.katajava.shim.service;

import com.google.protobuf.Any;
import dev.katajava.logging.Log;
import dev.katajava.virtcontainers.SandboxException;
import dev.katajava.virtcontainers.config.ConfigException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A sandbox VM booted from the bundle as soon as the daemon starts, while containerd is still between
 * the start action and Create. Everything it is booted from (the bundle's spec and the runtime options the
 * start action received) is what Create would use, so Create adopts it instead of booting its own; if Create
 * asks for something else the VM is stopped and Create boots as usual. The VM belongs to this object until
 * adopted, so a shim that stops first stops it too.
 */
final class EarlyBoot<T> {
    private static final Log LOG = Log.of("shim");

    private final String sandboxId;
    private final String configPath;
    private final Consumer<T> stopper;
    private final CompletableFuture<T> vm = new CompletableFuture<>();
    private volatile Thread booter;
    private boolean taken;

    private EarlyBoot(String sandboxId, String configPath, Consumer<T> stopper) {
        this.sandboxId = sandboxId;
        this.configPath = configPath;
        this.stopper = stopper;
    }

    /** Runs {@code boot} on a thread of its own; {@code stopper} stops what it booted. */
    static <T> EarlyBoot<T> start(String sandboxId, Any options, Callable<T> boot, Consumer<T> stopper)
            throws ConfigException {
        EarlyBoot<T> early = new EarlyBoot<>(sandboxId, SandboxFactory.configPath(options), stopper);
        early.booter = Thread.ofPlatform().name("early-boot").daemon().start(() -> {
            try {
                early.vm.complete(boot.call());
            } catch (Throwable t) {
                early.vm.completeExceptionally(t);
            }
        });
        return early;
    }

    /**
     * The VM, once booted, when Create wants this sandbox with the same options; null when it wants something
     * else (the early VM is then stopped). A boot that failed fails Create with the same error it would have
     * met itself.
     */
    synchronized T adopt(String sandboxId, Any options) throws Exception {
        if (taken) {
            return null;
        }
        taken = true;
        if (!this.sandboxId.equals(sandboxId) || !configPath.equals(SandboxFactory.configPath(options))) {
            LOG.info("early-booted VM does not match the create; stopping it", "sandbox", this.sandboxId);
            var _ = vm.thenAccept(stopper);
            return null;
        }
        try {
            return vm.get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /** Stops the VM (now, or when its boot finishes) unless Create has adopted it. */
    synchronized void discard() {
        if (!taken) {
            taken = true;
            var _ = vm.thenAccept(stopper);
        }
    }

    /**
     * For a shim on its way out: stops the VM unless Create adopted it. A boot in progress is interrupted (it
     * then tears down what it had started) rather than waited for: under load a boot can take the agent's
     * whole dial timeout.
     */
    void stop() {
        synchronized (this) {
            if (taken) {
                return;
            }
            taken = true;
        }
        Thread b = booter;
        if (b != null) {
            b.interrupt();
        }
        try {
            stopper.accept(vm.join());
        } catch (CompletionException e) {
            // A failed boot has nothing to stop.
        }
    }

    private static Exception unwrap(Throwable t) {
        if (t instanceof ConfigException || t instanceof SandboxException || t instanceof RuntimeException) {
            return (Exception) t;
        }
        return new SandboxException("early boot failed: " + t.getMessage(), t);
    }
}
