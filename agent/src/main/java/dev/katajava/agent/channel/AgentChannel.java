package dev.katajava.agent.channel;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;

/** Where the agent meets the runtime: a stream the agent serves ttrpc on (virtio-serial or AF_VSOCK). */
public interface AgentChannel {
    /** Blocks until a runtime is connected, then returns the stream. */
    ByteStream accept() throws IOException;

    /** True when connections are independent streams that can be served side by side. */
    default boolean concurrent() {
        return false;
    }

    String describe();
}
