package dev.katajava.transport.stdio;

import java.io.IOException;

/**
 * Opens a stream socket to a port the guest listens on, as a raw descriptor the caller owns, so data can be
 * spliced into pipes without passing through the JVM.
 */
public interface GuestPortDialer {
    /** Connects to guest port {@code port}; fails at once (no retry) when nobody answers there. */
    int connect(int port) throws IOException;

    String describe();
}
