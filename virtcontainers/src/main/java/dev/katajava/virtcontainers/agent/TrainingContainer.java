package dev.katajava.virtcontainers.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.fs.Virtio9pShare;
import dev.katajava.virtcontainers.oci.AgentSpecConverter;
import dev.katajava.virtcontainers.oci.DefaultSpec;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The training container: an agent made ready in advance (the VM template before it is saved) runs what a
 * sandbox's first seconds run (the 9p share mounted, a container created, started, exec'd into, fed stdin,
 * read, waited for and removed, the sandbox destroyed), so every VM started from it finds that path loaded,
 * linked and warmed instead of paying for it in its first container.
 *
 * <p>Invariant on return: the guest has no sandbox, no container and no 9p mount. QEMU refuses to migrate
 * while the share is mounted, and the sandbox's own CreateSandbox must find the agent as a fresh VM leaves it.
 */
public final class TrainingContainer {
    private static final Log LOG = Log.of("training");
    /** A tree in the guest image holding only busybox: the guest's own root cannot be a container's root. */
    public static final String GUEST_ROOTFS = "/opt/kata-agent/training-rootfs";
    public static final String SANDBOX_ID = "template-training";
    private static final int ROUNDS = 2;
    private static final Duration REMOVE = Duration.ofSeconds(10);
    private static final Duration DESTROY = Duration.ofSeconds(30);
    private static final String INPUT = "from stdin";

    private TrainingContainer() {
    }

    /**
     * Runs the rounds and returns what to report of them; a failure means the guest's container path is
     * broken, so it is thrown, not logged.
     */
    public static String run(AgentClient agent) throws TtrpcException, IOException {
        long first = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            long started = System.nanoTime();
            agent.createSandbox(CreateSandboxRequest.newBuilder()
                    .setSandboxId(SANDBOX_ID)
                    // Every real CreateSandbox names a hostname; without one here a clone links sethostname.
                    .setHostname(SANDBOX_ID)
                    .addStorages(Virtio9pShare.storage())
                    .build());
            try {
                container(agent, "training-" + round, spec(round));
            } finally {
                agent.destroySandbox(DESTROY);
            }
            LOG.info("training container run", "round", round, "ms", (System.nanoTime() - started) / 1_000_000);
        }
        return "training container run " + ROUNDS + " times in " + (System.nanoTime() - first) / 1_000_000 + " ms";
    }

    /** One container's life, checked at each step: its output proves the path really ran. */
    private static void container(AgentClient agent, String id, Spec spec) throws TtrpcException, IOException {
        agent.createContainer(CreateContainerRequest.newBuilder().setContainerId(id).setExecId(id).setOCI(spec)
                .build());
        try {
            agent.startContainer(id);
            Process exec = spec.getProcess().toBuilder().clearArgs().addAllArgs(List.of("echo", "exec")).build();
            agent.execProcess(id, "exec", exec);
            expect(id, "exec", readAll(agent, id, "exec"), "exec\n");
            expectStatus(id, "exec", agent.waitProcess(id, "exec"));
            agent.writeStdin(id, "", ByteString.copyFromUtf8(INPUT + "\n"));
            agent.closeStdin(id, "");
            expect(id, "its process", readAll(agent, id, ""), INPUT + "\n");
            expectStatus(id, "its process", agent.waitProcess(id, ""));
        } finally {
            agent.removeContainer(id, REMOVE);
        }
    }

    /**
     * containerd's spec for a plain container ({@code ctr run}) in round 0, and in the next the same spec
     * shaped as the CRI plugin shapes a pod's sandbox container (its annotations, a memory limit and a CPU
     * quota): the first container of a clone runs only what its template ran, whichever client sent it.
     * Converted as the shim converts it, rooted at the training tree.
     */
    static Spec spec(int round) throws IOException {
        try {
            ObjectNode oci = (ObjectNode) DefaultSpec.tree();
            if (round % 2 == 1) {
                oci.putObject("annotations").put("io.kubernetes.cri.container-type", "sandbox")
                        .put("io.kubernetes.cri.sandbox-id", SANDBOX_ID);
                ObjectNode resources = oci.withObjectProperty("linux").withObjectProperty("resources");
                resources.putObject("memory").put("limit", 256L << 20);
                resources.withObjectProperty("cpu").put("quota", 100_000).put("period", 100_000);
            }
            Spec s = AgentSpecConverter.convert(oci, GUEST_ROOTFS);
            Process p = s.getProcess().toBuilder().clearArgs()
                    .addAllArgs(List.of("sh", "-c", "read line && echo \"$line\"")).build();
            return s.toBuilder().setProcess(p).build();
        } catch (OciSpecException e) {
            throw new IOException("the training container's spec is invalid: " + e.getMessage(), e);
        }
    }

    /** Stdout until end of stream (the agent reports it as a failed read). */
    private static String readAll(AgentClient agent, String id, String execId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            try {
                agent.readStdout(id, execId).writeTo(out);
            } catch (TtrpcException | IOException e) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static void expect(String id, String what, String got, String want) throws IOException {
        if (!got.equals(want)) {
            throw new IOException("the training container " + id + ": " + what + " printed " + quote(got)
                    + ", expected " + quote(want));
        }
    }

    private static void expectStatus(String id, String what, int status) throws IOException {
        if (status != 0) {
            throw new IOException("the training container " + id + ": " + what + " exited with " + status);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
