package dev.katajava.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The methods a server answers, by service and method name. */
public final class ServiceRegistry {
    private final Map<String, Map<String, UnaryMethod>> services = new ConcurrentHashMap<>();

    public ServiceRegistry register(String service, String method, UnaryMethod m) {
        services.computeIfAbsent(service, s -> new ConcurrentHashMap<>()).put(method, m);
        return this;
    }

    /** Registers a method on messages; a request that does not decode is answered INVALID_ARGUMENT. */
    public <Q extends MessageLite, R extends MessageLite> ServiceRegistry register(
            String service, String method, Parser<Q> parser, MessageHandler<Q, R> handler) {
        return register(service, method, (ctx, bytes) -> {
            Q request;
            try {
                request = parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new TtrpcException(Code.INVALID_ARGUMENT, "cannot decode " + service + "/" + method
                        + " request: " + e.getMessage());
            }
            return handler.handle(ctx, request).toByteArray();
        });
    }

    /** The method to run, or an UNIMPLEMENTED status naming what is missing. */
    UnaryMethod lookup(String service, String method) throws TtrpcException {
        Map<String, UnaryMethod> methods = services.get(service);
        if (methods == null) {
            throw new TtrpcException(Code.UNIMPLEMENTED, "service " + service);
        }
        UnaryMethod m = methods.get(method);
        if (m == null) {
            throw new TtrpcException(Code.UNIMPLEMENTED, "method " + method);
        }
        return m;
    }
}
