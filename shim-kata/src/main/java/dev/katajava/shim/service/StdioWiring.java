package dev.katajava.shim.service;

import com.google.protobuf.ByteString;
import dev.katajava.shim.io.OutputRelay;
import dev.katajava.shim.io.StdinRelay;
import dev.katajava.shim.process.TaskProcess;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.agent.AgentClient;

/** Connects a started process's streams in the guest to its client endpoints on the host. */
record StdioWiring(OutputRelay stdout, OutputRelay stderr) {

    static StdioWiring connect(String containerId, TaskProcess p, AgentClient agent) {
        String eid = p.agentExecId();
        OutputRelay out = OutputRelay.start(eid + "-stdout", () -> agent.readStdout(containerId, eid), p.outputs().stdout());
        OutputRelay err = OutputRelay.start(eid + "-stderr", () -> agent.readStderr(containerId, eid), p.outputs().stderr());
        p.attachStdin(StdinRelay.start(eid, p.stdio().stdin(), new StdinRelay.StdinTarget() {
            @Override
            public int write(ByteString data) throws TtrpcException {
                return agent.writeStdin(containerId, eid, data);
            }

            @Override
            public void close() throws TtrpcException {
                agent.closeStdin(containerId, eid);
            }
        }));
        return new StdioWiring(out, err);
    }
}
