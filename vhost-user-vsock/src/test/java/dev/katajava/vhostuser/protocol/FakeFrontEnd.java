package dev.katajava.vhostuser.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.EventFd;
import dev.katajava.linux.Fds;
import dev.katajava.linux.MemFd;
import dev.katajava.linux.Mmap;
import dev.katajava.vhostuser.virtqueue.GuestDriver;
import dev.katajava.vhostuser.virtqueue.GuestQueue;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Plays QEMU's side of vhost-user over a connected socket: guest RAM in a memfd, kick and call eventfds per
 * queue, and the setup sequence QEMU sends when the guest driver starts the device.
 */
public final class FakeFrontEnd implements GuestRings, AutoCloseable {
    public static final long RAM = 16L << 20;
    public static final int QUEUE_SIZE = 64;

    private final int socket;
    private final MessageChannel channel;
    private final int memFd;
    private final MemorySegment ram;
    public final GuestDriver guest;
    public final GuestQueue rx;
    public final GuestQueue tx;
    public final int[] kick = new int[2];
    public final int[] call = new int[2];

    public FakeFrontEnd(int socket) throws Exception {
        this.socket = socket;
        this.channel = new MessageChannel(socket);
        memFd = MemFd.create("guest-ram", RAM);
        ram = Mmap.mapShared(memFd, RAM, 0, true);
        guest = new GuestDriver(ram);
        rx = guest.queue(QUEUE_SIZE);
        tx = guest.queue(QUEUE_SIZE);
        for (int i = 0; i < 2; i++) {
            kick[i] = EventFd.create(0, EventFd.EFD_CLOEXEC);
            call[i] = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        }
    }

    public int socket() {
        return socket;
    }

    public MessageChannel channel() {
        return channel;
    }

    /** Sends a request and, for requests that answer or when {@code needReply}, returns the reply. */
    public Message call(Request r, byte[] payload, int[] fds, boolean needReply, boolean answers) throws Exception {
        int flags = Message.VERSION | (needReply ? Message.FLAG_NEED_REPLY : 0);
        channel.write(new Message(r.code(), flags, payload, fds));
        if (!answers && !needReply) {
            return null;
        }
        Message reply = channel.read();
        assertThat(reply).as("reply to " + r).isNotNull();
        assertThat(reply.request()).isEqualTo(r.code());
        assertThat(reply.flags() & Message.FLAG_REPLY).isNotZero();
        return reply;
    }

    public long getU64(Request r) throws Exception {
        return call(r, new byte[0], new int[0], false, true).body().getLong();
    }

    public void send(Request r, byte[] payload) throws Exception {
        call(r, payload, new int[0], false, false);
    }

    /** Sends with need_reply and returns the ack value (0 = success). */
    public long acked(Request r, byte[] payload, int... fds) throws Exception {
        return call(r, payload, fds, true, false).body().getLong();
    }

    /** The handshake and ring setup QEMU performs, with REPLY_ACK in use. */
    public void setUpDevice() throws Exception {
        long features = getU64(Request.GET_FEATURES);
        send(Request.SET_OWNER, new byte[0]);
        long protocol = getU64(Request.GET_PROTOCOL_FEATURES);
        send(Request.SET_PROTOCOL_FEATURES, Message.u64(protocol));
        assertThat(acked(Request.SET_FEATURES, Message.u64(features))).isZero();
        assertThat(acked(Request.SET_MEM_TABLE, memTable(), memFd)).isZero();
        setUpQueue(0, rx);
        setUpQueue(1, tx);
    }

    private void setUpQueue(int index, GuestQueue q) throws Exception {
        assertThat(acked(Request.SET_VRING_NUM, state(index, QUEUE_SIZE))).isZero();
        assertThat(acked(Request.SET_VRING_BASE, state(index, 0))).isZero();
        ByteBuffer addr = ByteBuffer.allocate(40);
        addr.order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(0).putLong(GuestDriver.frontEndAddress(q.descAddr))
                .putLong(GuestDriver.frontEndAddress(q.usedAddr)).putLong(GuestDriver.frontEndAddress(q.availAddr))
                .putLong(0);
        assertThat(acked(Request.SET_VRING_ADDR, addr.array())).isZero();
        assertThat(acked(Request.SET_VRING_KICK, Message.u64(index), kick[index])).isZero();
        assertThat(acked(Request.SET_VRING_CALL, Message.u64(index), call[index])).isZero();
        assertThat(acked(Request.SET_VRING_ENABLE, state(index, 1))).isZero();
    }

    public byte[] memTable() {
        return le(8 + 32).putInt(1).putInt(0).putLong(GuestDriver.GUEST_BASE).putLong(RAM)
                .putLong(GuestDriver.FRONT_END_BASE).putLong(0).array();
    }

    public static byte[] state(int index, int num) {
        return le(8).putInt(index).putInt(num).array();
    }

    public static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public GuestQueue rx() {
        return rx;
    }

    @Override
    public GuestQueue tx() {
        return tx;
    }

    @Override
    public void kick(int index) throws Exception {
        EventFd.write(kick[index], 1);
    }

    @Override
    public void close() throws ErrnoException {
        Mmap.unmap(ram);
        Fds.close(memFd);
        for (int i = 0; i < 2; i++) {
            Fds.close(kick[i]);
            Fds.close(call[i]);
        }
        Fds.close(socket);
    }
}
