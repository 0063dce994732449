package dev.katajava.virtcontainers.template;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.katajava.protocols.agent.CloseStdinRequest;
import dev.katajava.protocols.agent.CreateContainerRequest;
import dev.katajava.protocols.agent.CreateSandboxRequest;
import dev.katajava.protocols.agent.DestroySandboxRequest;
import dev.katajava.protocols.agent.ExecProcessRequest;
import dev.katajava.protocols.agent.ReadStreamRequest;
import dev.katajava.protocols.agent.ReadStreamResponse;
import dev.katajava.protocols.agent.RemoveContainerRequest;
import dev.katajava.protocols.agent.StartContainerRequest;
import dev.katajava.protocols.agent.WaitProcessRequest;
import dev.katajava.protocols.agent.WaitProcessResponse;
import dev.katajava.protocols.agent.WriteStreamRequest;
import dev.katajava.protocols.agent.WriteStreamResponse;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The container calls of a stand-in agent, enough for the template's training container: one sandbox at a
 * time, a container whose process echoes its stdin, execs that print their arguments. {@code garbled} makes
 * the container print something else, as a guest whose container path is broken would.
 */
final class FakeTrainingGuest {
    private static final String AGENT = "grpc.AgentService";

    final List<String> calls = new CopyOnWriteArrayList<>();
    private final boolean garbled;
    private volatile String sandbox = "";
    private final Map<String, String> output = new ConcurrentHashMap<>();
    private final StringBuilder stdin = new StringBuilder();

    FakeTrainingGuest(boolean garbled) {
        this.garbled = garbled;
    }

    /** Whether a sandbox exists now (the template must be saved with none). */
    boolean sandboxExists() {
        return !sandbox.isEmpty();
    }

    ServiceRegistry register(ServiceRegistry r) {
        return r.register(AGENT, "CreateSandbox", CreateSandboxRequest.parser(), (ctx, req) -> {
            if (sandboxExists()) {
                throw new TtrpcException(Code.INTERNAL, "sandbox " + sandbox + " already exists");
            }
            calls.add("CreateSandbox " + req.getStorages(0).getFstype());
            sandbox = req.getSandboxId();
            return Empty.getDefaultInstance();
        }).register(AGENT, "DestroySandbox", DestroySandboxRequest.parser(), (ctx, req) -> {
            calls.add("DestroySandbox");
            sandbox = "";
            return Empty.getDefaultInstance();
        }).register(AGENT, "CreateContainer", CreateContainerRequest.parser(), (ctx, req) -> {
            calls.add("CreateContainer " + req.getOCI().getRoot().getPath());
            return Empty.getDefaultInstance();
        }).register(AGENT, "StartContainer", StartContainerRequest.parser(), (ctx, req) -> {
            calls.add("StartContainer");
            return Empty.getDefaultInstance();
        }).register(AGENT, "ExecProcess", ExecProcessRequest.parser(), (ctx, req) -> {
            calls.add("ExecProcess");
            output.put(req.getExecId(), String.join(" ", req.getProcess().getArgsList().subList(1,
                    req.getProcess().getArgsCount())) + "\n");
            return Empty.getDefaultInstance();
        }).register(AGENT, "WriteStdin", WriteStreamRequest.parser(), (ctx, req) -> {
            stdin.append(req.getData().toStringUtf8());
            return WriteStreamResponse.newBuilder().setLen(req.getData().size()).build();
        }).register(AGENT, "CloseStdin", CloseStdinRequest.parser(), (ctx, req) -> {
            output.put(req.getExecId(), garbled ? "garbled\n" : stdin.toString());
            stdin.setLength(0);
            return Empty.getDefaultInstance();
        }).register(AGENT, "ReadStdout", ReadStreamRequest.parser(), (ctx, req) -> {
            String out = output.remove(req.getExecId());
            if (out == null) {
                throw new TtrpcException(Code.INTERNAL, "eof");
            }
            return ReadStreamResponse.newBuilder().setData(ByteString.copyFromUtf8(out)).build();
        }).register(AGENT, "WaitProcess", WaitProcessRequest.parser(), (ctx, req) ->
                WaitProcessResponse.newBuilder().setStatus(0).build()
        ).register(AGENT, "RemoveContainer", RemoveContainerRequest.parser(), (ctx, req) -> {
            calls.add("RemoveContainer");
            return Empty.getDefaultInstance();
        });
    }
}
