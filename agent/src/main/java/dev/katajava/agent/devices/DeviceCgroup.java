package dev.katajava.agent.devices;

import dev.katajava.linux.Bpf;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.Fds;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Puts a device filter on a cgroup v2 directory. The program stays attached while the cgroup exists (the
 * attachment holds it), so the agent closes its descriptors at once; every process that joins the cgroup
 * later, execs included, is filtered.
 */
public final class DeviceCgroup {
    private DeviceCgroup() {
    }

    /** Loads the program for {@code rules} and attaches it to {@code cgroupDir}; nothing when all is allowed. */
    public static void restrict(Path cgroupDir, DeviceRules rules) throws DeviceException, IOException {
        if (rules.allowsAll()) {
            return;
        }
        byte[] program = DeviceFilter.compile(rules);
        int prog = Bpf.loadProgram(Bpf.PROG_TYPE_CGROUP_DEVICE, program, DeviceFilter.LICENSE);
        try {
            int dir = Fds.open(cgroupDir.toString(), Fds.O_RDONLY | Fds.O_DIRECTORY | Fds.O_CLOEXEC, 0);
            try {
                // Several programs may sit on one cgroup and its ancestors; each must allow.
                Bpf.attach(prog, dir, Bpf.ATTACH_CGROUP_DEVICE, Bpf.F_ALLOW_MULTI);
            } finally {
                closeQuietly(dir);
            }
        } finally {
            closeQuietly(prog);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // Nothing is lost: the descriptor was only needed for the attach.
        }
    }
}
