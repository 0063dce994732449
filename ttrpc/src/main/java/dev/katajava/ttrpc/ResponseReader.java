package dev.katajava.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.katajava.protocols.ttrpc.Response;
import java.io.IOException;

/** A client's read loop: hands each response to the call waiting on its stream id until the stream ends. */
final class ResponseReader implements Runnable {
    private final ByteStream stream;
    private final PendingCalls pending;
    private final Runnable onEnd;

    ResponseReader(ByteStream stream, PendingCalls pending, Runnable onEnd) {
        this.stream = stream;
        this.pending = pending;
        this.onEnd = onEnd;
    }

    @Override
    public void run() {
        FrameReader reader = new FrameReader(stream);
        try {
            FrameReader.Frame frame;
            while ((frame = reader.next()) != null) {
                if (frame.header().type() == Frames.TYPE_RESPONSE) {
                    // No caller waits for an unknown id (one that timed out, or never ours): dropped.
                    pending.complete(frame.header().streamId(), decode(frame));
                }
            }
        } catch (IOException e) {
            // The connection is gone either way; onEnd fails whatever is pending.
        } finally {
            onEnd.run();
        }
    }

    private static Response decode(FrameReader.Frame frame) {
        if (frame.body() == null) {
            return Replies.error(Code.RESOURCE_EXHAUSTED, "response of " + frame.header().length()
                    + " bytes exceeds maximum message size " + Frames.MAX_MESSAGE_SIZE);
        }
        try {
            return Response.parseFrom(frame.body());
        } catch (InvalidProtocolBufferException e) {
            return Replies.error(Code.INTERNAL, "cannot decode response: " + e.getMessage());
        }
    }
}
