package dev.katajava.ttrpc;

import com.google.protobuf.ByteString;
import dev.katajava.protocols.ttrpc.Response;
import dev.katajava.protocols.ttrpc.Status;

/** Builds Response envelopes. */
final class Replies {
    private Replies() {
    }

    static Response ok(byte[] payload) {
        return Response.newBuilder().setPayload(ByteString.copyFrom(payload)).build();
    }

    /** An error status with an empty payload: Go clients decode the payload before looking at the status. */
    static Response error(Code code, String message) {
        return Response.newBuilder()
                .setStatus(Status.newBuilder().setCode(code.value()).setMessage(message == null ? "" : message))
                .build();
    }

    static Response error(TtrpcException e) {
        return error(e.code(), e.getMessage());
    }
}
