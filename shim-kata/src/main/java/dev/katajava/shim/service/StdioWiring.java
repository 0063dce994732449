package dev.katajava.shim.service;

import com.google.protobuf.ByteString;
import dev.katajava.shim.io.DirectStdin;
import dev.katajava.shim.io.OutputRelay;
import dev.katajava.shim.io.StdinRelay;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.transport.stdio.StdioKind;
import dev.katajava.transport.stdio.StdioStreamClient;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentClient;

/**
 * Connects a started process's streams in the guest to its client endpoints on the host: over one direct
 * connection per stream when the sandbox has them ({@code streams} not null), through the agent API
 * otherwise, and per stream through the agent API whenever its connection cannot be opened.
 */
record StdioWiring(OutputRelay stdout, OutputRelay stderr) {

    static StdioWiring connect(String containerId, TaskProcess p, AgentClient agent, StdioStreamClient streams) {
        String eid = p.agentExecId();
        OutputRelay out = OutputRelay.start(eid + "-stdout", opener(streams, StdioKind.STDOUT, containerId, eid),
                () -> agent.readStdout(containerId, eid), p.outputs().stdout());
        OutputRelay err = OutputRelay.start(eid + "-stderr", opener(streams, StdioKind.STDERR, containerId, eid),
                () -> agent.readStderr(containerId, eid), p.outputs().stderr());
        StdinRelay.StdinTarget rpc = new StdinRelay.StdinTarget() {
            @Override
            public int write(ByteString data) throws TtrpcException {
                return agent.writeStdin(containerId, eid, data);
            }

            @Override
            public void close() throws TtrpcException {
                agent.closeStdin(containerId, eid);
            }
        };
        OutputRelay.StreamOpener stdin = opener(streams, StdioKind.STDIN, containerId, eid);
        p.attachStdin(StdinRelay.start(eid, p.stdio().stdin(),
                stdin == null ? rpc : new DirectStdin(eid + "-stdin", stdin, rpc)));
        return new StdioWiring(out, err);
    }

    private static OutputRelay.StreamOpener opener(StdioStreamClient streams, StdioKind kind, String containerId,
                                                  String execId) {
        return streams == null ? null : () -> streams.open(kind, containerId, execId);
    }
}
