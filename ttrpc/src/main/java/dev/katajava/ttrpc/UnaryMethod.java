package dev.katajava.ttrpc;

/** A method on raw bytes. */
@FunctionalInterface
public interface UnaryMethod {
    /**
     * Returns the encoded response. A {@link TtrpcException} becomes its status; any other exception becomes
     * {@link Code#UNKNOWN} with its message.
     */
    byte[] invoke(CallContext ctx, byte[] request) throws Exception;
}
