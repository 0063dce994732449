package dev.katajava.shim.service;

import com.google.protobuf.Empty;
import dev.katajava.protocols.containerd.v1.types.ProcessInfo;
import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.protocols.events.TaskPaused;
import dev.katajava.protocols.events.TaskResumed;
import dev.katajava.protocols.task.PauseRequest;
import dev.katajava.protocols.task.PidsRequest;
import dev.katajava.protocols.task.PidsResponse;
import dev.katajava.protocols.task.ResumeRequest;
import dev.katajava.protocols.task.StatsRequest;
import dev.katajava.protocols.task.StatsResponse;
import dev.katajava.protocols.task.UpdateTaskRequest;
import dev.katajava.shim.events.EventPublisher;
import dev.katajava.shim.events.Topics;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.oci.OciSpecReader;
import dev.katajava.virtcontainers.oci.ResourcesConverter;
import dev.katajava.virtcontainers.sizing.Workload;

/** Pause/Resume (the guest cgroup freezer), Stats, Update and Pids of a container. */
final class ResourceControl {
    private final ShimState state;
    private final EventPublisher events;

    ResourceControl(ShimState state, EventPublisher events) {
        this.state = state;
        this.events = events;
    }

    Empty pause(PauseRequest req) throws TtrpcException {
        synchronized (state.lifecycle) {
            ShimContainer c = state.container(req.getId());
            TaskProcess init = c.init();
            if (init.status() != Status.RUNNING) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "container " + c.id() + " is " + init.status()
                        + ", not running");
            }
            init.setStatus(Status.PAUSING);
            try {
                c.sandbox().agent().pauseContainer(c.id());
            } catch (TtrpcException e) {
                init.setStatus(Status.RUNNING);
                throw ErrorMapping.toStatus("pause " + c.id(), e);
            }
            init.setStatus(Status.PAUSED);
            events.publish(Topics.TASK_PAUSED, TaskPaused.newBuilder().setContainerId(c.id()).build());
            return Empty.getDefaultInstance();
        }
    }

    Empty resume(ResumeRequest req) throws TtrpcException {
        synchronized (state.lifecycle) {
            ShimContainer c = state.container(req.getId());
            TaskProcess init = c.init();
            if (init.status() != Status.PAUSED) {
                throw new TtrpcException(Code.FAILED_PRECONDITION, "container " + c.id() + " is " + init.status()
                        + ", not paused");
            }
            try {
                c.sandbox().agent().resumeContainer(c.id());
            } catch (TtrpcException e) {
                throw ErrorMapping.toStatus("resume " + c.id(), e);
            }
            init.setStatus(Status.RUNNING);
            events.publish(Topics.TASK_RESUMED, TaskResumed.newBuilder().setContainerId(c.id()).build());
            return Empty.getDefaultInstance();
        }
    }

    StatsResponse stats(StatsRequest req) throws TtrpcException {
        ShimContainer c = state.container(req.getId());
        try {
            return StatsResponse.newBuilder()
                    .setStats(MetricsConverter.toAny(c.sandbox().agent().statsContainer(c.id()))).build();
        } catch (TtrpcException e) {
            throw ErrorMapping.toStatus("stats " + c.id(), e);
        }
    }

    /**
     * Update carries OCI LinuxResources as JSON (containerd's typeurl registration). The VM grows first when
     * the new limits need more vCPUs or memory than it has, so the guest cgroup can be given them.
     */
    Empty update(UpdateTaskRequest req) throws TtrpcException {
        ShimContainer c = state.container(req.getId());
        try {
            var json = OciSpecReader.parse("update resources", req.getResources().getValue().toByteArray());
            c.sandbox().setWorkload(c.id(), Workload.ofResources(json));
            c.sandbox().agent().updateContainer(c.id(), ResourcesConverter.forGuest(json));
        } catch (Exception e) {
            throw ErrorMapping.toStatus("update " + c.id(), e);
        }
        return Empty.getDefaultInstance();
    }

    /** Processes inside the VM are invisible to the host; like Kata, report the VM's process. */
    PidsResponse pids(PidsRequest req) throws TtrpcException {
        state.container(req.getId());
        return PidsResponse.newBuilder().addProcesses(ProcessInfo.newBuilder().setPid((int) state.vmPid())).build();
    }
}
