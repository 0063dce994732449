package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.Process;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a container inherits from the host under runc when its spec leaves it unset, so that it inherits the
 * same in the VM: the host's hostname (a new UTS namespace starts as a copy of the host's) and the
 * oom_score_adj of runc's shim, which sets its own to containerd's plus one.
 */
final class RuncDefaults {
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");
    private static final Path OOM_SCORE_ADJ = Path.of("/proc/self/oom_score_adj");
    private static final int OOM_SCORE_ADJ_MAX = 1000;

    private RuncDefaults() {
    }

    /** The spec's hostname, else the host's. */
    static String hostname(JsonNode spec) throws IOException {
        String hostname = spec.path("hostname").asText("");
        return hostname.isEmpty() ? Files.readString(HOSTNAME).strip() : hostname;
    }

    /** {@code converted}, with the inherited oom_score_adj when the OCI process does not set one. */
    static Process withOomScoreAdj(JsonNode ociProcess, Process converted) throws IOException {
        if (ociProcess.has("oomScoreAdj")) {
            return converted;
        }
        // This shim was started by containerd and has its score, as runc's shim did before adding one.
        long own = Long.parseLong(Files.readString(OOM_SCORE_ADJ).strip());
        return converted.toBuilder().setOOMScoreAdj(inheritedOomScoreAdj(own)).build();
    }

    static long inheritedOomScoreAdj(long containerd) {
        return Math.min(containerd + 1, OOM_SCORE_ADJ_MAX);
    }
}
