package dev.katajava.vhostuser.vsock;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** A host endpoint that records what the multiplexer told it. */
final class RecordingEndpoint implements HostEndpoint {
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @Override
    public synchronized void connected(GuestStream stream) {
        events.add("connected");
    }

    @Override
    public synchronized void refused() {
        events.add("refused");
    }

    @Override
    public synchronized void data(byte[] bytes) {
        received.writeBytes(bytes);
    }

    @Override
    public synchronized void guestStoppedSending() {
        events.add("guestStoppedSending");
    }

    @Override
    public synchronized void closed() {
        events.add("closed");
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    synchronized byte[] bytes() {
        return received.toByteArray();
    }
}
