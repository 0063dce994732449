package dev.katajava.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The methods a server answers, by service and method name. */
public final class ServiceRegistry {
    private final Map<String, Map<String, UnaryMethod>> services = new ConcurrentHashMap<>();

    /** Registers a method on raw bytes; registering the same service and method twice is an error. */
    public ServiceRegistry register(String service, String method, UnaryMethod m) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(m, "m");
        UnaryMethod previous = services.computeIfAbsent(service, s -> new ConcurrentHashMap<>()).putIfAbsent(method, m);
        if (previous != null) {
            throw new IllegalArgumentException(service + "/" + method + " is already registered");
        }
        return this;
    }

    /** Registers a method on messages; a request that does not decode is answered INVALID_ARGUMENT. */
    public <Q extends MessageLite, R extends MessageLite> ServiceRegistry register(
            String service, String method, Parser<Q> parser, MessageHandler<Q, R> handler) {
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(handler, "handler");
        return register(service, method, (ctx, bytes) -> {
            Q request;
            try {
                request = parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new TtrpcException(Code.INVALID_ARGUMENT, "cannot decode " + service + "/" + method
                        + " request: " + e.getMessage());
            }
            R response = handler.handle(ctx, request);
            if (response == null) {
                throw new TtrpcException(Code.INTERNAL, service + "/" + method + " handler returned no response");
            }
            return response.toByteArray();
        });
    }

    /** The method to run, or an UNIMPLEMENTED status naming what is missing (the wording Go ttrpc uses). */
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
