package dev.katajava.virtcontainers.agent;

import dev.katajava.ttrpc.TtrpcClient;
import java.io.IOException;

/** Opens a new connection to the agent, or returns null when the VM is gone and there is nothing to dial. */
@FunctionalInterface
public interface AgentDialer {
    TtrpcClient dial() throws IOException;
}
