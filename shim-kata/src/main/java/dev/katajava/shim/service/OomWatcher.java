package dev.katajava.shim.service;

import dev.katajava.logging.Log;
import dev.katajava.protocols.events.TaskOOM;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.events.Topics;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.Sandbox;

/** Long-polls the agent for OOM kills and publishes TaskOOM, for as long as the sandbox's agent is reachable. */
final class OomWatcher {
    private static final Log LOG = Log.of("shim");

    private OomWatcher() {
    }

    static void watch(Sandbox sandbox, EventPublisher events) {
        Thread.ofVirtual().name("oom-" + sandbox.id()).start(() -> {
            while (!sandbox.isStopped() && !sandbox.agent().isClosed()) {
                try {
                    String id = sandbox.agent().awaitOomEvent();
                    LOG.warn("OOM kill in the guest", "container", id);
                    events.publish(Topics.TASK_OOM, TaskOOM.newBuilder().setContainerId(id).build());
                } catch (TtrpcException e) {
                    return; // The agent is gone with its VM.
                }
            }
        });
    }
}
