package dev.katajava.agent.channel;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;

/** Where the agent meets the runtime: a stream the agent serves ttrpc on. AF_VSOCK plugs in here. */
public interface AgentChannel {
    /** Blocks until a runtime is connected, then returns the stream. */
    ByteStream accept() throws IOException;

    String describe();
}
