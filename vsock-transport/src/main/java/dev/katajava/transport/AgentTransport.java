package dev.katajava.transport;

import dev.katajava.ttrpc.ByteStream;
import java.io.IOException;
import java.time.Duration;

/**
 * A way for the host to open a byte stream to the guest agent.
 *
 * <p>Implementations differ in what sits between host and guest (a virtio-serial port behind a QEMU unix
 * socket, AF_VSOCK through vhost-vsock, or a hybrid-vsock unix socket); callers see only a stream that
 * carries ttrpc frames to the agent.
 */
public interface AgentTransport {
    /**
     * Opens a stream to the agent, retrying while the VM side is not there yet.
     *
     * @throws IOException when no stream could be opened before {@code timeout} passed; the message names
     *                     the endpoint and the last error
     */
    ByteStream dial(Duration timeout) throws IOException;

    /** A short description of the endpoint for logs and error messages. */
    String describe();
}
