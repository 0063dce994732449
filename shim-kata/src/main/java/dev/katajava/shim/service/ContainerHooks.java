package dev.katajava.shim.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.virtcontainers.hooks.HookException;
import dev.katajava.virtcontainers.hooks.HookKind;
import dev.katajava.virtcontainers.hooks.HookRunner;
import dev.katajava.virtcontainers.hooks.HookState;
import dev.katajava.virtcontainers.hooks.OciHooks;
import dev.katajava.virtcontainers.oci.OciSpecException;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import java.nio.file.Path;

/**
 * A container's host hooks and what they are told about it, run at the moments the runtime spec gives:
 * prestart and createRuntime once the container exists in the guest but before its process can run,
 * poststart once it runs and before Start answers, poststop once it is deleted and before Delete answers.
 */
final class ContainerHooks {
    private final OciHooks hooks;
    private final HookState state;
    private final HookRunner runner;

    private ContainerHooks(OciHooks hooks, HookState state, HookRunner runner) {
        this.hooks = hooks;
        this.state = state;
        this.runner = runner;
    }

    /** Reads and checks the spec's hooks; a malformed one fails here, before any VM boots. */
    static ContainerHooks of(String id, Path bundle, JsonNode spec) throws OciSpecException {
        HookState state = new HookState(spec.path("ociVersion").asText(""), id, HookState.CREATING, 0, bundle,
                OciSpecReader.annotations(spec));
        return new ContainerHooks(OciHooks.of(spec), state, new HookRunner(bundle));
    }

    /** prestart, then createRuntime, as runc orders them. */
    void created(long vmPid) throws HookException {
        HookState s = at(HookState.CREATING, vmPid);
        runner.run(hooks.of(HookKind.PRESTART), s);
        runner.run(hooks.of(HookKind.CREATE_RUNTIME), s);
    }

    void started(long vmPid) throws HookException {
        runner.run(hooks.of(HookKind.POSTSTART), at(HookState.RUNNING, vmPid));
    }

    /**
     * Failures are logged: the container is gone whatever a poststop hook says. No pid is given, as runc
     * gives none: the process is gone.
     */
    void deleted() {
        runner.runLoggingFailures(hooks.of(HookKind.POSTSTOP), at(HookState.STOPPED, 0));
    }

    private HookState at(String status, long vmPid) {
        return new HookState(state.ociVersion(), state.id(), status, vmPid, state.bundle(), state.annotations());
    }
}
