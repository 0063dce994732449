package dev.katajava.qemu.process;

import dev.katajava.qemu.accel.LaunchedVm;
import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.qemu.cmdline.RunFiles;
import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.types.QueryStatusResultStatus;
import dev.katajava.qemu.qmp.QmpClient;
import dev.katajava.qemu.qmp.QmpException;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU process started paused, connected over QMP and let run. Its stdout and stderr are appended to
 * {@link RunFiles#qemuLog()}; what this process wrote there is what error messages quote.
 */
public final class QemuProcess implements LaunchedVm {
    private static final Duration REAP_WAIT = Duration.ofSeconds(10);
    private static final int CONSOLE_WINDOW = 64 * 1024;

    private final Process process;
    private final RunFiles files;
    private final Accel accel;
    private final long logStart;
    private volatile QmpClient qmp;

    private QemuProcess(Process process, RunFiles files, Accel accel, long logStart) {
        this.process = process;
        this.files = files;
        this.accel = accel;
        this.logStart = logStart;
    }

    /**
     * Starts {@code command}, connects to its QMP socket, checks the VM is paused and continues it.
     * On any failure QEMU is killed and reaped, and the exception quotes what QEMU printed.
     *
     * @param onSpawn told about the process as soon as it exists (before the guest runs)
     */
    public static QemuProcess launch(List<String> command, RunFiles files, Accel accel, Duration qmpTimeout,
                                     java.util.function.Consumer<Process> onSpawn) throws HypervisorException {
        return launch(command, files, accel, qmpTimeout, onSpawn, q -> { });
    }

    /** Something done over QMP while the VM is still paused, before it first runs. */
    @FunctionalInterface
    public interface BeforeRun {
        void accept(QmpCommands qmp) throws QmpException;
    }

    /**
     * As {@link #launch(List, RunFiles, Accel, Duration, java.util.function.Consumer)}, with {@code beforeRun}
     * done before the VM is continued (a clone loads its state there; QEMU then waits in {@code inmigrate}).
     */
    public static QemuProcess launch(List<String> command, RunFiles files, Accel accel, Duration qmpTimeout,
                                     java.util.function.Consumer<Process> onSpawn, BeforeRun beforeRun)
            throws HypervisorException {
        long logStart;
        Process process;
        try {
            // Leftovers of an earlier attempt in the same run directory must not be mistaken for this one's.
            Files.deleteIfExists(files.qmpSocket());
            Files.deleteIfExists(files.consoleLog());
            logStart = Files.exists(files.qemuLog()) ? Files.size(files.qemuLog()) : 0;
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.qemuLog().toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new HypervisorException("cannot run QEMU " + command.getFirst() + ": " + e.getMessage(), e);
        }
        onSpawn.accept(process);
        QemuProcess qemu = new QemuProcess(process, files, accel, logStart);
        try {
            qemu.qmp = QmpClient.connect(files.qmpSocket(), qmpTimeout, process::isAlive);
            QmpCommands commands = new QmpCommands(qemu.qmp);
            QueryStatusResultStatus status = commands.queryStatus(qmpTimeout).status();
            if (status != QueryStatusResultStatus.PRELAUNCH && status != QueryStatusResultStatus.PAUSED
                    && status != QueryStatusResultStatus.INMIGRATE) {
                throw new QmpException("QEMU started with -S reports status " + status + ", not paused");
            }
            beforeRun.accept(commands);
            commands.cont(qmpTimeout);
            return qemu;
        } catch (QmpException e) {
            qemu.kill();
            String said = qemu.qemuOutputTail();
            throw new HypervisorException("QEMU (" + accel + ") did not start: "
                    + (said.isBlank() ? e.getMessage() : said + " [" + e.getMessage() + "]"), e);
        }
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public Accel accel() {
        return accel;
    }

    /** The QMP connection; closed once QEMU is gone. */
    public QmpClient qmp() {
        return qmp;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The probe polls often, so the guest's first signs are still within this tail when they appear. */
    @Override
    public String console() {
        return LogTail.read(files.consoleLog(), 0, CONSOLE_WINDOW);
    }

    /** QEMU's own output since this process started, up to the last 2 KiB, as one line. */
    @Override
    public String qemuOutputTail() {
        return LogTail.read(files.qemuLog(), logStart, 2048).strip().replaceAll("\\s*\\n\\s*", "; ");
    }

    /** SIGKILL, then wait until the process is reaped; closes QMP. */
    @Override
    public void kill() {
        process.destroyForcibly();
        awaitExit(REAP_WAIT);
        closeQmp();
    }

    /** Waits up to {@code timeout} for the process to end; true when it has. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    public void closeQmp() {
        QmpClient q = qmp;
        if (q != null) {
            q.close();
        }
    }
}
