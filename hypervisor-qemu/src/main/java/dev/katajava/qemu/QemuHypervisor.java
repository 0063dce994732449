package dev.katajava.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.logging.Log;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.Hypervisor;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU process for one sandbox, controlled over QMP.
 *
 * <p>With {@link Accelerator#AUTO}, KVM is tried first when /dev/kvm can be opened and no earlier probe
 * on this boot found it unusable; it counts as working only when the guest's init speaks on the console
 * within {@link #KVM_PROBE}. Some hosts expose a /dev/kvm that QEMU cannot use or on which the guest
 * hangs, so otherwise the VM is restarted under TCG.
 */
public final class QemuHypervisor implements Hypervisor {
    private static final Log LOG = Log.of("qemu");
    static final Duration KVM_PROBE = Duration.ofSeconds(5);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    /** The first line kata-init prints: the guest kernel booted and ran our init. */
    static final String INIT_MARKER = "kata-init:";

    private final VmSpec spec;
    private final KvmVerdict verdict;
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private volatile Process process;
    private volatile QmpClient qmp;

    QemuHypervisor(VmSpec spec, KvmVerdict verdict) {
        this.spec = spec;
        this.verdict = verdict;
    }

    @Override
    public void start() throws HypervisorException {
        if (process != null) {
            throw new IllegalStateException("QEMU for sandbox " + spec.sandboxId() + " was already started");
        }
        QemuCommandLine.Accel accel = chooseFirst();
        try {
            if (accel == QemuCommandLine.Accel.KVM && spec.accelerator() == Accelerator.AUTO) {
                String why = probeKvm();
                if (why != null) {
                    LOG.warn("KVM does not give a working guest here; using TCG", "reason", why);
                    verdict.recordBroken(why);
                    kill();
                    launch(QemuCommandLine.Accel.TCG);
                }
            } else {
                launch(accel);
            }
        } catch (HypervisorException e) {
            kill();
            throw e;
        }
        process.onExit().thenAccept(p -> {
            closeQmp();
            exited.complete(p.exitValue());
        });
    }

    private QemuCommandLine.Accel chooseFirst() {
        return switch (spec.accelerator()) {
            case KVM -> QemuCommandLine.Accel.KVM;
            case TCG -> QemuCommandLine.Accel.TCG;
            case AUTO -> HostFacts.kvmOpenable() && !verdict.knownBroken()
                    ? QemuCommandLine.Accel.KVM : QemuCommandLine.Accel.TCG;
        };
    }

    private void launch(QemuCommandLine.Accel accel) throws HypervisorException {
        List<String> cmd = QemuCommandLine.build(spec, accel, HostFacts.tscKhz());
        Path qemuLog = spec.runDir().resolve("qemu.log");
        try {
            Files.deleteIfExists(QemuCommandLine.qmpSocket(spec));
            Files.deleteIfExists(QemuCommandLine.consoleLog(spec));
            process = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.to(qemuLog.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new HypervisorException("cannot run " + spec.binary() + ": " + e.getMessage(), e);
        }
        LOG.info("QEMU launched", "sandbox", spec.sandboxId(), "pid", process.pid(), "accel", accel,
                "machine", spec.machineType());
        try {
            Process launched = process;
            qmp = QmpClient.connect(QemuCommandLine.qmpSocket(spec), QMP_TIMEOUT, launched::isAlive);
            String status = qmp.execute("query-status", null, QMP_TIMEOUT).path("status").asText();
            qmp.execute("cont", null, QMP_TIMEOUT);
            LOG.debug("VM running", "sandbox", spec.sandboxId(), "was", status);
        } catch (IOException e) {
            String log = waitAndTail();
            throw new HypervisorException("QEMU (" + accel + ") did not come up: " + e.getMessage()
                    + (log.isEmpty() ? "" : "; QEMU said: " + log), e);
        }
    }

    /** Boots under KVM; returns null when the guest runs, else why KVM is unusable here. */
    private String probeKvm() {
        try {
            launch(QemuCommandLine.Accel.KVM);
        } catch (HypervisorException e) {
            return e.getMessage();
        }
        if (guestSpeaks()) {
            return null;
        }
        return "no output from the guest's init within " + KVM_PROBE + " under KVM"
                + (process.isAlive() ? "" : " (QEMU exited: " + qemuLogTail() + ")");
    }

    /** Waits for the init marker on the console while QEMU lives, up to the probe time. */
    private boolean guestSpeaks() {
        long deadline = System.nanoTime() + KVM_PROBE.toNanos();
        while (System.nanoTime() - deadline < 0 && process.isAlive()) {
            if (consoleTail(4096).contains(INIT_MARKER)) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private String waitAndTail() {
        try {
            process.waitFor(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return qemuLogTail();
    }

    private String qemuLogTail() {
        return tail(spec.runDir().resolve("qemu.log"), 1024).strip().replace('\n', ' ');
    }

    @Override
    public long pid() {
        Process p = process;
        return p == null ? 0 : p.pid();
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            closeQmp();
            return;
        }
        QmpClient q = qmp;
        if (q != null && !q.isClosed()) {
            try {
                q.execute("quit", null, Duration.ofSeconds(1));
            } catch (IOException e) {
                // QEMU may close the connection before answering quit; the wait below decides.
            }
        }
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("QEMU did not quit; killing it", "sandbox", spec.sandboxId(), "pid", p.pid());
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        closeQmp();
    }

    private void kill() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQmp();
    }

    private void closeQmp() {
        QmpClient q = qmp;
        if (q != null) {
            q.close();
        }
    }

    /** The QMP connection, for callers that drive the VM further (hot-plug, status). */
    public JsonNode execute(String command) throws IOException {
        QmpClient q = qmp;
        if (q == null) {
            throw new IOException("QEMU is not running");
        }
        return q.execute(command, null, QMP_TIMEOUT);
    }

    @Override
    public String consoleTail(int maxBytes) {
        return tail(QemuCommandLine.consoleLog(spec), maxBytes);
    }

    static String tail(Path file, int maxBytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - maxBytes);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
