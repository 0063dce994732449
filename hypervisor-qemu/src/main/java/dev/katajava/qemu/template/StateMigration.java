package dev.katajava.qemu.template;

import dev.katajava.qemu.qapi.QmpCommands;
import dev.katajava.qemu.qapi.types.MigrateArgs;
import dev.katajava.qemu.qapi.types.MigrateIncomingArgs;
import dev.katajava.qemu.qapi.types.MigrateSetCapabilitiesArgs;
import dev.katajava.qemu.qapi.types.MigrateSetCapabilitiesArgsCapabilities;
import dev.katajava.qemu.qapi.types.MigrateSetCapabilitiesArgsCapabilitiesCapability;
import dev.katajava.qemu.qapi.types.QueryMigrateResult;
import dev.katajava.qemu.qapi.types.QueryMigrateResultStatus;
import dev.katajava.qemu.qmp.QmpException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A VM's device state to and from a file, with the RAM left out: {@code x-ignore-shared} skips RAM in shared
 * file-backed objects (the template's memory file, the root image), so the state is a few hundred KiB.
 */
public final class StateMigration {
    private static final Duration POLL = Duration.ofMillis(10);
    /** The file name goes into a shell command QEMU runs ({@code exec:}): plain characters only. */
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/-]+");

    private StateMigration() {
    }

    /** Pauses the VM and writes its device state to {@code state}; returns once QEMU reports completed. */
    public static void save(QmpCommands qmp, Path state, Duration timeout) throws QmpException {
        qmp.stop(timeout);
        ignoreShared(qmp, timeout);
        qmp.migrate(new MigrateArgs("exec:cat > " + safe(state), null, null, null, null), timeout);
        await(qmp, timeout, "saving the template's state to " + state);
    }

    /** Loads the device state of a VM started with {@code -incoming defer}; the VM stays paused. */
    public static void load(QmpCommands qmp, Path state, Duration timeout) throws QmpException {
        ignoreShared(qmp, timeout);
        qmp.migrateIncoming(new MigrateIncomingArgs("exec:cat " + safe(state)), timeout);
        await(qmp, timeout, "loading the template's state from " + state);
    }

    private static void ignoreShared(QmpCommands qmp, Duration timeout) throws QmpException {
        qmp.migrateSetCapabilities(new MigrateSetCapabilitiesArgs(List.of(new MigrateSetCapabilitiesArgsCapabilities(
                MigrateSetCapabilitiesArgsCapabilitiesCapability.X_IGNORE_SHARED, true))), timeout);
    }

    private static void await(QmpCommands qmp, Duration timeout, String what) throws QmpException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            QueryMigrateResult r = qmp.queryMigrate(timeout);
            QueryMigrateResultStatus status = r.status();
            if (status == QueryMigrateResultStatus.COMPLETED) {
                return;
            }
            if (status == QueryMigrateResultStatus.FAILED || status == QueryMigrateResultStatus.CANCELLED) {
                throw new QmpException(what + " failed" + (r.errorDesc() == null ? "" : ": " + r.errorDesc()));
            }
            if (System.nanoTime() > deadline) {
                throw new QmpException(what + " did not complete within " + timeout + " (status " + status + ")");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QmpException("interrupted while " + what);
            }
        }
    }

    static String safe(Path path) throws QmpException {
        String s = path.toString();
        if (!SAFE_PATH.matcher(s).matches()) {
            throw new QmpException("the template state path " + s + " has characters a shell would interpret");
        }
        return s;
    }
}
