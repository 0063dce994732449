package dev.katajava.shim.service;

import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import dev.katajava.virtcontainers.config.ConfigException;
import dev.katajava.virtcontainers.oci.OciSpecException;

/** Turns failures into the status codes containerd maps to its own error classes. */
final class ErrorMapping {
    private ErrorMapping() {
    }

    static TtrpcException toStatus(String what, Exception e) {
        if (e instanceof TtrpcException te) {
            return new TtrpcException(te.code(), what + ": " + te.getMessage(), te);
        }
        Code code = e instanceof OciSpecException || e instanceof ConfigException ? Code.INVALID_ARGUMENT : Code.UNKNOWN;
        return new TtrpcException(code, what + ": " + e.getMessage(), e);
    }

    static TtrpcException notFound(String kind, String id) {
        return new TtrpcException(Code.NOT_FOUND, kind + " " + id + ": not found");
    }
}
