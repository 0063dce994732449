package dev.katajava.ttrpc;

import java.util.Map;

/** What a handler knows about the call it serves. {@code timeoutNanos} is 0 when the caller set no deadline. */
public record CallContext(String service, String method, Map<String, String> metadata, long timeoutNanos) {
}
