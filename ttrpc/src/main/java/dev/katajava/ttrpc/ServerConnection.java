package dev.katajava.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;

/**
 * One client connection of a server: reads request frames and runs each on its own virtual thread, so a
 * call that blocks (a Wait that lasts the container's life) never holds up the ones behind it. Responses
 * go out in completion order, matched to requests only by stream id.
 */
final class ServerConnection implements Closeable {
    private final ServiceRegistry registry;
    private final ByteStream stream;
    private final FrameWriter writer;
    private volatile boolean closedHere;

    ServerConnection(ServiceRegistry registry, ByteStream stream) {
        this.registry = registry;
        this.stream = stream;
        this.writer = new FrameWriter(stream);
    }

    /** Serves until the peer closes, the stream ends inside a frame, or {@link #close} is called. */
    void serve() throws IOException {
        FrameReader reader = new FrameReader(stream);
        try {
            FrameReader.Frame frame;
            while ((frame = reader.next()) != null) {
                dispatch(frame);
            }
        } catch (EOFException truncated) {
            // A peer that disconnects mid-frame simply ends the connection.
        } catch (IOException e) {
            if (!closedHere) {
                throw e;
            }
        } finally {
            closeStream();
        }
    }

    /** Ends the connection; a blocked {@link #serve} returns normally. */
    @Override
    public void close() {
        closedHere = true;
        closeStream();
    }

    private void closeStream() {
        try {
            stream.close();
        } catch (IOException ignored) {
            // Nothing more can be done with a stream that fails to close.
        }
    }

    private void dispatch(FrameReader.Frame frame) {
        Frames.Header h = frame.header();
        if (h.type() != Frames.TYPE_REQUEST) {
            return; // Responses, streaming data and unknown types are ignored, as ttrpc 1.1 servers do.
        }
        int id = h.streamId();
        if (frame.body() == null) {
            reply(id, Replies.error(Code.RESOURCE_EXHAUSTED, "message length " + h.length()
                    + " exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE));
            return;
        }
        if ((id & 1) == 0) {
            reply(id, Replies.error(Code.INVALID_ARGUMENT, "stream id " + Integer.toUnsignedString(id)
                    + " must be odd for client-initiated streams"));
            return;
        }
        Request request;
        try {
            request = Request.parseFrom(frame.body());
        } catch (InvalidProtocolBufferException e) {
            reply(id, Replies.error(Code.INVALID_ARGUMENT, "cannot decode request: " + e.getMessage()));
            return;
        }
        Thread.ofVirtual().name("ttrpc-" + request.getService() + "/" + request.getMethod()).start(() -> {
            Response response = CallRunner.run(registry, request);
            // A handler may leave its interrupt flag set; writing with it set would close the shared channel.
            Thread.interrupted();
            reply(id, response);
        });
    }

    private void reply(int streamId, Response response) {
        byte[] body = response.toByteArray();
        if (body.length > Frames.MAX_MESSAGE_SIZE) {
            body = Replies.error(Code.RESOURCE_EXHAUSTED, "response of " + body.length
                    + " bytes exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE).toByteArray();
        }
        try {
            writer.write(streamId, Frames.TYPE_RESPONSE, body);
        } catch (IOException e) {
            // The peer is gone; the read loop sees that too and ends the connection.
        }
    }
}
