package dev.katajava.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import dev.katajava.protocols.ttrpc.Status;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * One client connection of a server: reads request frames and runs each on its own virtual thread, so a
 * call that blocks (a Wait that lasts the container's life) never holds up the ones behind it. Responses
 * go out in completion order, matched to requests only by stream id.
 */
final class ServerConnection {
    private final ServiceRegistry registry;
    private final ByteStream stream;
    private final FrameWriter writer;

    ServerConnection(ServiceRegistry registry, ByteStream stream) {
        this.registry = registry;
        this.stream = stream;
        this.writer = new FrameWriter(stream);
    }

    /** Serves until the peer closes or the stream fails. */
    void serve() throws IOException {
        FrameReader reader = new FrameReader(stream);
        try {
            FrameReader.Frame frame;
            while ((frame = reader.next()) != null) {
                dispatch(frame);
            }
        } catch (java.io.EOFException truncated) {
            // A peer that disconnects mid-frame simply ends the connection.
        } finally {
            stream.close();
        }
    }

    private void dispatch(FrameReader.Frame frame) {
        Frames.Header h = frame.header();
        if (h.type() != Frames.TYPE_REQUEST) {
            return; // Responses, streaming data and unknown types are ignored, as ttrpc servers do.
        }
        int id = h.streamId();
        if (frame.body() == null) {
            reply(id, error(Code.RESOURCE_EXHAUSTED, "message length " + h.length() + " exceeds maximum message size "
                    + Frames.MAX_MESSAGE_SIZE));
            return;
        }
        if ((id & 1) == 0) {
            reply(id, error(Code.INVALID_ARGUMENT, "stream id " + Integer.toUnsignedString(id)
                    + " must be odd for client-initiated streams"));
            return;
        }
        Request request;
        try {
            request = Request.parseFrom(frame.body());
        } catch (InvalidProtocolBufferException e) {
            reply(id, error(Code.INVALID_ARGUMENT, "cannot decode request: " + e.getMessage()));
            return;
        }
        Thread.ofVirtual().name("ttrpc-" + request.getMethod()).start(() -> reply(id, invoke(request)));
    }

    private Response invoke(Request request) {
        try {
            UnaryMethod method = registry.lookup(request.getService(), request.getMethod());
            Map<String, String> metadata = new HashMap<>();
            for (KeyValue kv : request.getMetadataList()) {
                metadata.put(kv.getKey(), kv.getValue());
            }
            CallContext ctx = new CallContext(request.getService(), request.getMethod(), Map.copyOf(metadata),
                    request.getTimeoutNano());
            byte[] payload = method.invoke(ctx, request.getPayload().toByteArray());
            return Response.newBuilder().setPayload(ByteString.copyFrom(payload)).build();
        } catch (TtrpcException e) {
            return error(e.code(), e.getMessage());
        } catch (Exception e) {
            return error(Code.UNKNOWN, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static Response error(Code code, String message) {
        return Response.newBuilder()
                .setStatus(Status.newBuilder().setCode(code.value()).setMessage(message == null ? "" : message))
                .build();
    }

    private void reply(int streamId, Response response) {
        byte[] body = response.toByteArray();
        if (body.length > Frames.MAX_MESSAGE_SIZE) {
            body = error(Code.RESOURCE_EXHAUSTED, "response of " + body.length + " bytes exceeds maximum message size "
                    + Frames.MAX_MESSAGE_SIZE).toByteArray();
        }
        try {
            writer.write(streamId, Frames.TYPE_RESPONSE, body);
        } catch (IOException e) {
            // The peer is gone; the read loop will see it and end the connection.
        }
    }
}
