package dev.katajava.ttrpc;

import dev.katajava.protocols.ttrpc.KeyValue;
import dev.katajava.protocols.ttrpc.Request;
import dev.katajava.protocols.ttrpc.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs one decoded request against a registry and turns every outcome into a Response. */
final class CallRunner {
    private CallRunner() {
    }

    static Response run(ServiceRegistry registry, Request request) {
        try {
            UnaryMethod method = registry.lookup(request.getService(), request.getMethod());
            CallContext ctx = new CallContext(request.getService(), request.getMethod(), metadata(request),
                    request.getTimeoutNano());
            byte[] payload = method.invoke(ctx, request.getPayload().toByteArray());
            if (payload == null) {
                return Replies.error(Code.INTERNAL, request.getService() + "/" + request.getMethod()
                        + " returned no response");
            }
            return Replies.ok(payload);
        } catch (TtrpcException e) {
            return Replies.error(e);
        } catch (Throwable e) {
            // Errors too: a handler that dies without a reply would leave the caller waiting forever.
            return Replies.error(Code.UNKNOWN, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Later values win when a key repeats; containerd sends each key once. */
    private static Map<String, String> metadata(Request request) {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (KeyValue kv : request.getMetadataList()) {
            metadata.put(kv.getKey(), kv.getValue());
        }
        return Map.copyOf(metadata);
    }
}
