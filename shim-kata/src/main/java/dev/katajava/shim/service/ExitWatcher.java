package dev.katajava.shim.service;

import dev.katajava.logging.Log;
import dev.katajava.protocols.events.TaskExit;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.events.Topics;
import dev.katajava.shim.io.OutputRelay;
import dev.katajava.shim.io.StdinRelay;
import dev.katajava.shim.process.ExitInfo;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentClient;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The exit path of one started process, in the order that loses no output: wait until both output
 * relays reached end of stream and the client drained the FIFOs, then reap the process in the guest
 * (WaitProcess discards its stdio, so it must come last), then release Wait callers and publish TaskExit.
 */
final class ExitWatcher {
    private static final Log LOG = Log.of("shim");
    /** How long an exit waits for Kill calls of the process still being answered. */
    private static final java.time.Duration KILL_ANSWER_PATIENCE = java.time.Duration.ofSeconds(10);

    private ExitWatcher() {
    }

    static void watch(TaskProcess process, AgentClient agent, OutputRelay stdout, OutputRelay stderr,
                      long pid, EventPublisher events) {
        Thread.ofVirtual().name("wait-" + process.agentExecId()).start(() -> {
            CompletableFuture.allOf(stdout.done(), stderr.done()).join();
            process.outputs().finish();
            int status;
            try {
                status = agent.waitProcess(process.containerId(), process.agentExecId());
            } catch (TtrpcException e) {
                LOG.warn("WaitProcess failed; reporting the VM as gone", "container", process.containerId(),
                        "exec", process.execId(), "error", e.getMessage());
                status = ExitInfo.VM_GONE;
            }
            StdinRelay stdin = process.stdinRelay();
            if (stdin != null) {
                stdin.abandon();
            }
            ExitInfo info = new ExitInfo(status, Instant.now());
            process.reaped().complete(info);
            try {
                if (!process.awaitKillsAnswered(KILL_ANSWER_PATIENCE)) {
                    LOG.warn("a kill is still unanswered; reporting the exit anyway", "container",
                            process.containerId(), "exec", process.execId());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.exited(info);
            LOG.info("process exited", "container", process.containerId(), "exec", process.execId(),
                    "status", status);
            events.publish(Topics.TASK_EXIT, TaskExit.newBuilder()
                    .setContainerId(process.containerId())
                    .setId(process.agentExecId())
                    .setPid((int) pid)
                    .setExitStatus(status)
                    .setExitedAt(info.timestamp())
                    .build());
        });
    }
}
