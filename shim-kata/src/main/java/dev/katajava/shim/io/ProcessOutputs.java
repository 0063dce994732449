package dev.katajava.shim.io;

import java.io.IOException;

/**
 * Where a process's stdout and stderr go: FIFOs or files named separately, or one logging binary that
 * takes both (containerd passes the same binary:// URI for the two streams).
 */
public record ProcessOutputs(OutputSink stdout, OutputSink stderr, BinaryLogger logger) {

    public static ProcessOutputs open(String stdout, String stderr, String containerId, String namespace)
            throws IOException {
        if (BinaryLogger.isBinaryUri(stdout) || BinaryLogger.isBinaryUri(stderr)) {
            BinaryLogger logger = BinaryLogger.start(BinaryLogger.isBinaryUri(stdout) ? stdout : stderr,
                    containerId, namespace);
            return new ProcessOutputs(logger.stdout(), logger.stderr(), logger);
        }
        OutputSink out = OutputSink.open(stdout);
        try {
            return new ProcessOutputs(out, OutputSink.open(stderr), null);
        } catch (IOException e) {
            if (out != null) {
                out.close();
            }
            throw e;
        }
    }

    /** After both relays closed their sinks: lets a logging binary finish. */
    public void finish() {
        if (logger != null) {
            logger.close();
        }
    }
}
