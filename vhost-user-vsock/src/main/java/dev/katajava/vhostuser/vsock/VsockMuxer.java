package dev.katajava.vhostuser.vsock;

import dev.katajava.logging.Log;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The vsock stream state machine for one guest: takes packets the guest sent, keeps the connection table, and
 * queues the packets to deliver to the guest.
 *
 * <p>Invariant: a connection is in the table exactly while its state is not CLOSED. One lock guards the table,
 * every connection and the outgoing queue.
 */
public final class VsockMuxer {
    public static final long HOST_CID = 2;
    /**
     * Replies to stray packets and credit requests beyond this many queued are dropped, so a flooding guest
     * cannot grow the queue.
     */
    private static final int MAX_QUEUED_REPLIES = 4096;
    /** Ports for host-initiated streams start here, far from the ports guests usually listen on. */
    private static final int FIRST_HOST_PORT = 1 << 30;

    private static final Log LOG = Log.of("vhost-user-vsock");

    final ReentrantLock lock = new ReentrantLock();
    final Condition creditChanged = lock.newCondition();
    private final long guestCid;
    private final HostConnector connector;
    private final Map<ConnectionKey, Connection> connections = new HashMap<>();
    private final ArrayDeque<Packet> toGuest = new ArrayDeque<>();
    private int nextHostPort = FIRST_HOST_PORT;
    private volatile Runnable packetsForGuest = () -> { };

    public VsockMuxer(long guestCid, HostConnector connector) {
        if (guestCid <= HOST_CID || guestCid >= 0xFFFFFFFFL) {
            throw new IllegalArgumentException("guest CID " + guestCid + " is reserved");
        }
        this.guestCid = guestCid;
        this.connector = Objects.requireNonNull(connector);
    }

    public long guestCid() {
        return guestCid;
    }

    /** Runs (with the lock held, so it must not block) whenever packets are queued for the guest. */
    public void onPacketsForGuest(Runnable wakeup) {
        this.packetsForGuest = Objects.requireNonNull(wakeup);
    }

    /** Opens a stream to the guest's {@code guestPort}; {@code endpoint} hears whether the guest accepts. */
    public GuestStream connectToGuest(int guestPort, HostEndpoint endpoint) {
        lock.lock();
        try {
            ConnectionKey key;
            do {
                key = new ConnectionKey(nextHostPort, guestPort);
                nextHostPort = nextHostPort == -1 ? FIRST_HOST_PORT : nextHostPort + 1;
            } while (connections.containsKey(key));
            Connection c = new Connection(this, key, Connection.State.CONNECTING);
            c.endpoint = Objects.requireNonNull(endpoint);
            connections.put(key, c);
            enqueue(packet(c, Op.REQUEST, 0, Packet.NO_PAYLOAD));
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** Handles one packet the guest sent; never throws for anything the guest put in it. */
    public void fromGuest(Packet packet) {
        PacketHeader h = packet.header();
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            LOG.warn("vsock packet with foreign addresses dropped", "packet", h, "guest_cid", guestCid);
            return;
        }
        Op op = Op.of(h.op());
        if (op == Op.RST) {
            onReset(h);
            return;
        }
        if (h.type() != PacketHeader.TYPE_STREAM || op == null) {
            LOG.warn("vsock packet of unknown type or op reset", "packet", h, "type", h.type());
            replyReset(h);
            return;
        }
        if (op == Op.REQUEST) {
            onRequest(h);
            return;
        }
        lock.lock();
        try {
            Connection c = connections.get(new ConnectionKey(h.dstPort(), h.srcPort()));
            if (c == null) {
                replyResetLocked(h);
                return;
            }
            c.updatePeerCredit(h);
            creditChanged.signalAll();
            if (c.state == Connection.State.CONNECTING && op != Op.RESPONSE) {
                LOG.warn("vsock packet before the guest answered our request; stream reset", "packet", h);
                resetLocked(c);
                return;
            }
            switch (op) {
                case RESPONSE -> onResponse(c);
                case RW -> onData(c, packet);
                case CREDIT_UPDATE -> { }
                case CREDIT_REQUEST -> {
                    // Every queued packet carries our credit, so past the cap another update tells nothing new
                    // and a guest repeating the request while taking nothing cannot grow the queue.
                    if (toGuest.size() < MAX_QUEUED_REPLIES) {
                        enqueue(packet(c, Op.CREDIT_UPDATE, 0, Packet.NO_PAYLOAD));
                    }
                }
                case SHUTDOWN -> onShutdown(c, h.flags());
                default -> throw new IllegalStateException("op " + op + " handled above");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A packet from the guest that could not be decoded as a whole: its stream (if any) is reset, since data
     * was lost, and the guest is told with RST.
     */
    public void malformedFromGuest(PacketHeader h) {
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            return;
        }
        lock.lock();
        try {
            Connection c = connections.get(new ConnectionKey(h.dstPort(), h.srcPort()));
            if (c != null) {
                resetLocked(c);
            } else if (Op.of(h.op()) != Op.RST) {
                replyResetLocked(h);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next packet for the guest, or null. */
    public Packet nextForGuest() {
        lock.lock();
        try {
            return toGuest.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Puts back, first in line, the part of a packet that did not fit the guest's buffer. */
    public void returnForGuest(Packet rest) {
        lock.lock();
        try {
            toGuest.addFirst(rest);
        } finally {
            lock.unlock();
        }
    }

    public int connectionCount() {
        lock.lock();
        try {
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    /** Drops every stream without telling the guest (its device is going away) and empties the queue. */
    public void closeAll() {
        lock.lock();
        try {
            for (Connection c : new ArrayList<>(connections.values())) {
                finish(c);
            }
            toGuest.clear();
        } finally {
            lock.unlock();
        }
    }

    private void onRequest(PacketHeader h) {
        ConnectionKey key = new ConnectionKey(h.dstPort(), h.srcPort());
        lock.lock();
        try {
            if (connections.containsKey(key)) {
                LOG.warn("vsock request for a stream that exists reset", "key", key);
                replyResetLocked(h);
                return;
            }
        } finally {
            lock.unlock();
        }
        Connection c = new Connection(this, key, Connection.State.ESTABLISHED);
        c.updatePeerCredit(h);
        HostEndpoint endpoint = connector.accept(h.dstPort(), c);
        lock.lock();
        try {
            if (endpoint == null) {
                replyResetLocked(h);
                return;
            }
            c.endpoint = endpoint;
            connections.put(key, c);
            enqueue(packet(c, Op.RESPONSE, 0, Packet.NO_PAYLOAD));
            endpoint.connected(c);
        } finally {
            lock.unlock();
        }
    }

    private void onResponse(Connection c) {
        if (c.state != Connection.State.CONNECTING) {
            LOG.warn("vsock response on an established stream reset", "key", c.key());
            resetLocked(c);
            return;
        }
        c.state = Connection.State.ESTABLISHED;
        c.endpoint.connected(c);
    }

    private void onData(Connection c, Packet packet) {
        int len = packet.payload().length;
        if (c.state != Connection.State.ESTABLISHED || c.guestShutSend) {
            LOG.warn("vsock data on a stream not open for it reset", "key", c.key(), "state", c.state);
            resetLocked(c);
            return;
        }
        if (len > c.ourFreeSpace()) {
            LOG.warn("vsock guest overran its credit; stream reset", "key", c.key(), "len", len,
                    "free", c.ourFreeSpace());
            resetLocked(c);
            return;
        }
        if (len == 0) {
            return;
        }
        c.rxCnt += len;
        c.endpoint.data(packet.payload());
    }

    private void onShutdown(Connection c, int flags) {
        if ((flags & PacketHeader.SHUTDOWN_RCV) != 0) {
            c.guestShutReceive = true;
        }
        if ((flags & PacketHeader.SHUTDOWN_SEND) != 0 && !c.guestShutSend) {
            c.guestShutSend = true;
            c.endpoint.guestStoppedSending();
        }
        boolean guestDone = c.guestShutSend && c.guestShutReceive;
        if (guestDone || (c.guestShutSend && c.hostShutSend)) {
            // Nothing can flow either way any more; RST is how the guest expects the close to complete.
            resetLocked(c);
        }
    }

    private void onReset(PacketHeader h) {
        lock.lock();
        try {
            Connection c = connections.get(new ConnectionKey(h.dstPort(), h.srcPort()));
            if (c == null) {
                return;
            }
            if (c.state == Connection.State.CONNECTING) {
                connections.remove(c.key());
                c.state = Connection.State.CLOSED;
                c.endpoint.refused();
                return;
            }
            finish(c);
        } finally {
            lock.unlock();
        }
    }

    private void resetLocked(Connection c) {
        enqueue(packet(c, Op.RST, 0, Packet.NO_PAYLOAD));
        finish(c);
    }

    private void replyReset(PacketHeader h) {
        lock.lock();
        try {
            replyResetLocked(h);
        } finally {
            lock.unlock();
        }
    }

    private void replyResetLocked(PacketHeader h) {
        if (toGuest.size() >= MAX_QUEUED_REPLIES) {
            return;
        }
        PacketHeader rst = new PacketHeader(HOST_CID, guestCid, h.dstPort(), h.srcPort(), 0,
                PacketHeader.TYPE_STREAM, Op.RST.code(), 0, 0, 0);
        enqueue(new Packet(rst, Packet.NO_PAYLOAD));
    }

    /** Removes {@code c} and tells its endpoint; the caller holds the lock. */
    void finish(Connection c) {
        if (c.state == Connection.State.CLOSED) {
            return;
        }
        connections.remove(c.key());
        c.state = Connection.State.CLOSED;
        creditChanged.signalAll();
        c.endpoint.closed();
    }

    /** A packet on {@code c}'s stream carrying our current credit; the caller holds the lock. */
    Packet packet(Connection c, Op op, int flags, byte[] payload) {
        c.advertisedFwdCnt = c.fwdCnt;
        PacketHeader h = new PacketHeader(HOST_CID, guestCid, c.key().localPort(), c.key().peerPort(),
                payload.length, PacketHeader.TYPE_STREAM, op.code(), flags, Connection.BUF_ALLOC, c.fwdCnt);
        return new Packet(h, payload);
    }

    /** Queues a packet for the guest; the caller holds the lock. */
    void enqueue(Packet p) {
        toGuest.addLast(p);
        packetsForGuest.run();
    }
}
