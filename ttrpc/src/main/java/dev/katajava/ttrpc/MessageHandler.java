package dev.katajava.ttrpc;

import com.google.protobuf.MessageLite;

/** A method on decoded messages. */
@FunctionalInterface
public interface MessageHandler<Q extends MessageLite, R extends MessageLite> {
    R handle(CallContext ctx, Q request) throws Exception;
}
