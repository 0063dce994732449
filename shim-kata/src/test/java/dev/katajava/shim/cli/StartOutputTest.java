package dev.katajava.shim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fds;
import dev.katajava.linux.Fifos;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stand-ins for stdin, stdout and stderr: the test JVM's own must stay as they are. */
class StartOutputTest {
    private static final byte[] OPTIONS = {1, 2, 3};

    @TempDir
    Path dir;
    private final List<Integer> opened = new ArrayList<>();
    private int in;
    private int out;
    private int err;

    @BeforeEach
    void openStandIns() throws Exception {
        Files.writeString(dir.resolve("stdin"), "containerd's options");
        in = track(Fds.open(dir.resolve("stdin").toString(), Fds.O_RDONLY | Fds.O_CLOEXEC, 0));
        out = track(Fds.open(dir.resolve("stdout").toString(), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_CLOEXEC, 0600));
        err = track(Fds.open(dir.resolve("stderr").toString(), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_CLOEXEC, 0600));
    }

    @AfterEach
    void closeStandIns() throws Exception {
        for (int fd : opened) {
            Fds.close(fd);
        }
    }

    @Test
    void detachingPointsAllThreeAtDevNullAndTheAddressAloneReachesStdout() throws Exception {
        StartOutput start = StartOutput.detach(OPTIONS, in, out, err, dir.resolve("no-log"));
        assertThat(target(in)).isEqualTo("/dev/null");
        assertThat(target(out)).isEqualTo("/dev/null");
        assertThat(target(err)).isEqualTo("/dev/null");
        assertThat(start.runtimeOptions()).containsExactly(OPTIONS);
        assertThat(start.reported()).isFalse();
        assertThat(descriptorsOn("stdout", "stderr")).as("the private copies").hasSize(2);

        start.serving("unix:///run/containerd/s/abc");
        start.failed("too late to matter");

        assertThat(start.reported()).isTrue();
        assertThat(Files.readString(dir.resolve("stdout"))).isEqualTo("unix:///run/containerd/s/abc");
        assertThat(Files.readString(dir.resolve("stderr"))).isEmpty();
        assertThat(descriptorsOn("stdout", "stderr")).as("the private copies, once reported").isEmpty();
    }

    @Test
    void aFailureReachesStderrAndNothingReachesStdout() throws Exception {
        StartOutput start = StartOutput.detach(OPTIONS, in, out, err, dir.resolve("no-log"));
        start.failed("start failed: cannot bind");
        start.serving("unix:///never");
        assertThat(Files.readString(dir.resolve("stderr"))).isEqualTo("start failed: cannot bind\n");
        assertThat(Files.readString(dir.resolve("stdout"))).isEmpty();
    }

    @Test
    void stderrGoesToTheLogFifoWhenContainerdReadsIt() throws Exception {
        Path log = dir.resolve("log");
        Fifos.mkfifo(log.toString(), 0600);
        int reader = track(Fds.open(log.toString(), Fds.O_RDONLY | Fds.O_NONBLOCK | Fds.O_CLOEXEC, 0));
        StartOutput start = StartOutput.detach(OPTIONS, in, out, err, log);
        assertThat(target(err)).isEqualTo(log.toString());
        assertThat(target(out)).isEqualTo("/dev/null");
        start.serving("unix:///x");
        assertThat(reader).isPositive();
    }

    private int track(int fd) {
        opened.add(fd);
        return fd;
    }

    private static String target(int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    /** This process's descriptors open on the named files in the test directory. */
    private List<String> descriptorsOn(String... names) throws Exception {
        List<String> targets = new ArrayList<>();
        for (String name : names) {
            targets.add(dir.resolve(name).toString());
        }
        List<String> found = new ArrayList<>();
        String[] fds = new File("/proc/self/fd").list();
        for (String fd : fds == null ? new String[0] : fds) {
            try {
                if (targets.contains(target(Integer.parseInt(fd)))) {
                    found.add(fd);
                }
            } catch (NoSuchFileException e) {
                // Closed meanwhile (the listing's own descriptor, for one).
            }
        }
        return found;
    }
}
