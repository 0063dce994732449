package dev.katajava.agent.container;

import dev.katajava.logging.Log;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What the launcher reported on its sync FIFO before the start gate: the process's pid (from the launcher's
 * parent), the pty master it holds (with a terminal), and "ready" or an error (from the process itself).
 * Two writers share the FIFO, so "pid" may come before or after the rest; the agent appends
 * {@value #EXITED} once the launcher is gone, which ends the read either way.
 */
record Handshake(long pid, int ptmx, boolean ready, String error) {
    static final String EXITED = "launcher-exited";
    private static final Log LOG = Log.of("container");

    boolean succeeded() {
        return ready && pid > 0;
    }

    static Handshake read(FileChannel sync, Path stateDir) {
        long pid = 0;
        int ptmx = -1;
        boolean ready = false;
        String error = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                Channels.newInputStream(sync), StandardCharsets.UTF_8))) {
            String line;
            while (!(ready && pid > 0) && error == null && (line = lines.readLine()) != null
                    && !line.equals(EXITED)) {
                if (line.startsWith("pid ")) {
                    pid = Long.parseLong(line.substring(4).strip());
                } else if (line.startsWith("ptmx ")) {
                    ptmx = Integer.parseInt(line.substring(5).strip());
                } else if (line.equals("ready")) {
                    ready = true;
                } else if (line.startsWith("error ")) {
                    error = line.substring(6);
                } else if (line.startsWith("note ")) {
                    LOG.info("launcher: " + line.substring(5), "state", stateDir.getFileName());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The launcher exited and closed the channel, or wrote garbage: what was read so far decides.
        }
        return new Handshake(pid, ptmx, ready, error);
    }
}
