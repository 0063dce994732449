package dev.katajava.shim.process;

import dev.katajava.protocols.containerd.v1.types.Status;
import dev.katajava.shim.io.ProcessOutputs;
import dev.katajava.shim.io.StdinRelay;
import java.util.concurrent.CompletableFuture;

/**
 * A container's init process or one of its execs, as the shim tracks it.
 *
 * <p>Status moves CREATED → RUNNING → STOPPED (STOPPED may also come straight from CREATED when start
 * fails). {@link #exit} completes exactly once, after the process's output was fully delivered; every
 * Wait caller shares it.
 */
public final class TaskProcess {
    private final String containerId;
    private final String execId;
    private final Stdio stdio;
    private final CompletableFuture<ExitInfo> exit = new CompletableFuture<>();
    private final CompletableFuture<ExitInfo> reaped = new CompletableFuture<>();
    /** Kills being served; the array is the monitor. */
    private final int[] kills = new int[1];
    private volatile Status status = Status.CREATED;
    private volatile ProcessOutputs outputs;
    private volatile StdinRelay stdinRelay;

    /** The client's stdio endpoints for this process, as containerd passed them. */
    public record Stdio(String stdin, String stdout, String stderr, boolean terminal) {
    }

    private final dev.katajava.protocols.agent.Process agentProcess;

    /** The init process; its process spec travels with CreateContainer. */
    public TaskProcess(String containerId, String execId, Stdio stdio) {
        this(containerId, execId, stdio, null);
    }

    /** An exec, with the process spec the agent starts it from. */
    public TaskProcess(String containerId, String execId, Stdio stdio, dev.katajava.protocols.agent.Process agentProcess) {
        this.containerId = containerId;
        this.execId = execId;
        this.stdio = stdio;
        this.agentProcess = agentProcess;
    }

    public dev.katajava.protocols.agent.Process agentProcess() {
        return agentProcess;
    }

    public String containerId() {
        return containerId;
    }

    /** Empty for the init process. */
    public String execId() {
        return execId;
    }

    /** The process id the agent knows it by: the container id for init (as Kata sends it). */
    public String agentExecId() {
        return execId.isEmpty() ? containerId : execId;
    }

    public Stdio stdio() {
        return stdio;
    }

    public Status status() {
        return status;
    }

    public void setStatus(Status status) {
        this.status = status;
    }

    public CompletableFuture<ExitInfo> exit() {
        return exit;
    }

    /** Completed when the agent has reaped the process, before its exit is reported (see {@link #exited}). */
    public CompletableFuture<ExitInfo> reaped() {
        return reaped;
    }

    /**
     * A Kill for this process is being served. Its exit is reported only once every such Kill has answered:
     * containerd deletes a task as soon as it learns of the exit and closes that task's connection, so a
     * Kill answered after the exit would fail with "ttrpc: closed" (CRI stops a pod that way).
     */
    public void killStarted() {
        synchronized (kills) {
            kills[0]++;
        }
    }

    public void killAnswered() {
        synchronized (kills) {
            kills[0]--;
            kills.notifyAll();
        }
    }

    /** Waits until no Kill is being served, at most {@code patience}; true if none is. */
    public boolean awaitKillsAnswered(java.time.Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (kills) {
            while (kills[0] > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(kills, left);
            }
            return true;
        }
    }

    /** Records the exit; later calls are ignored. */
    public void exited(ExitInfo info) {
        reaped.complete(info);
        status = Status.STOPPED;
        exit.complete(info);
    }

    public void attachOutputs(ProcessOutputs outputs) {
        this.outputs = outputs;
    }

    public ProcessOutputs outputs() {
        return outputs;
    }

    public void attachStdin(StdinRelay relay) {
        this.stdinRelay = relay;
    }

    public StdinRelay stdinRelay() {
        return stdinRelay;
    }
}
