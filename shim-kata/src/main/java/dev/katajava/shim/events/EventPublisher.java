package dev.katajava.shim.events;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.katajava.logging.Log;
import dev.katajava.protocols.events.service.Envelope;
import dev.katajava.protocols.events.service.ForwardRequest;
import dev.katajava.ttrpc.TtrpcClient;
import dev.katajava.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Forwards task events to containerd's ttrpc Events service, one at a time and in the order they were
 * published (containerd requires create, start, exit, delete in that order).
 *
 * <p>Each event gets a 5 s deadline and up to 5 retries with a growing pause, reconnecting when the
 * connection dropped, as containerd's own shim library does. Without a ttrpc address events are logged only.
 */
public final class EventPublisher implements AutoCloseable {
    private static final Log LOG = Log.of("events");
    private static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_ATTEMPTS = 5;

    private record Pending(Envelope envelope) {
    }

    private static final Pending STOP = new Pending(null);

    private final Path ttrpcSocket;
    private final String namespace;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private TtrpcClient client;

    /** @param ttrpcSocket containerd's ttrpc socket, or null to only log events */
    public EventPublisher(Path ttrpcSocket, String namespace) {
        this.ttrpcSocket = ttrpcSocket;
        this.namespace = namespace;
        this.sender = Thread.ofPlatform().name("event-publisher").daemon().start(this::sendLoop);
    }

    /** Queues {@code event} under {@code topic} (e.g. {@code /tasks/exit}); never blocks. */
    public void publish(String topic, Message event) {
        Instant now = Instant.now();
        Envelope envelope = Envelope.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setNamespace(namespace)
                .setTopic(topic)
                .setEvent(Any.newBuilder()
                        .setTypeUrl(event.getDescriptorForType().getFullName())
                        .setValue(event.toByteString()))
                .build();
        queue.add(new Pending(envelope));
    }

    /** Sends what is queued (waiting up to {@code timeout}) and stops. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    public void close(Duration timeout) {
        queue.add(STOP);
        try {
            sender.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (client != null) {
                client.close();
            }
        }
    }

    @SuppressWarnings("ReferenceEquality") // STOP is a sentinel: only that instance ends the loop
    private void sendLoop() {
        while (true) {
            Pending next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP) {
                return;
            }
            forward(next.envelope());
        }
    }

    private void forward(Envelope envelope) {
        String topic = envelope.getTopic();
        if (ttrpcSocket == null) {
            LOG.info("event", "topic", topic);
            return;
        }
        byte[] request = ForwardRequest.newBuilder().setEnvelope(envelope).build().toByteArray();
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                connection().call(SERVICE, "Forward", request, FORWARD_TIMEOUT, java.util.Map.of());
                LOG.debug("event forwarded", "topic", topic);
                return;
            } catch (IOException | TtrpcException e) {
                LOG.warn("event forward failed", "topic", topic, "attempt", attempt, "error", e.getMessage());
                dropConnection();
                try {
                    TimeUnit.MILLISECONDS.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        LOG.error("event dropped after retries", null, "topic", topic);
    }

    private synchronized TtrpcClient connection() throws IOException {
        if (client == null || client.isClosed()) {
            client = TtrpcClient.connect(ttrpcSocket);
        }
        return client;
    }

    private synchronized void dropConnection() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
