package dev.katajava.tests.support;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the end-to-end test classes: each class gets a private containerd with the staged runtime
 * and the locally built busybox image, and helpers for the ctr calls every test makes.
 */
public abstract class ContainerdTest {
    protected static final String RUNTIME = E2eEnvironment.RUNTIME;
    protected static PrivateContainerd containerd;
    protected static String image;

    @BeforeAll
    static void startContainerd() throws Exception {
        containerd = PrivateContainerd.start(E2eEnvironment.PREFIX, E2eEnvironment.CONFIG);
        image = BusyboxImage.importInto(containerd, E2eEnvironment.REPO);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
            containerd = null;
        }
    }

    /** Runs ctr with a generous limit (VMs boot under software emulation here). */
    protected static Commands.Result ctr(String... args) throws Exception {
        return containerd.ctr(List.of(args), Duration.ofMinutes(3));
    }

    /** Kills a detached container's task, deletes it once it has stopped, and removes the container. */
    protected static void removeTask(String id) throws Exception {
        ctr("task", "kill", "--signal", "SIGKILL", id);
        Commands.Result deleted = ctr("task", "delete", id);
        for (int i = 0; i < 50 && deleted.exitCode() != 0; i++) {
            Thread.sleep(200);
            deleted = ctr("task", "delete", id);
        }
        if (deleted.exitCode() != 0) {
            throw new AssertionError("task " + id + " could not be deleted: " + deleted.describe());
        }
        ctr("containers", "rm", id);
    }
}
