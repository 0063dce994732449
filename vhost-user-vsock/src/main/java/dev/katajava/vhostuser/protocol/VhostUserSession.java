package dev.katajava.vhostuser.protocol;

import dev.katajava.linux.ErrnoException;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.device.VsockDevice;
import dev.katajava.vhostuser.memory.MappedMemoryTable;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Serves one front-end connection: reads requests, applies them to the device, and replies. A request it
 * cannot honour is logged and refused (with a failure ack when the front end asked for one); only a broken
 * stream ends the session.
 */
public final class VhostUserSession {
    private static final Log LOG = Log.of("vhost-user-vsock");
    private static final int VRING_INDEX_MASK = 0xFF;
    private static final long VRING_NO_FD = 1L << 8;
    private static final int MAX_REGIONS = 8;
    private static final int REGION_SIZE = 32;
    private static final int CONFIG_HEADER = 12;
    private static final long ACK_OK = 0;
    private static final long ACK_FAILED = 1;

    private final MessageChannel channel;
    private final VsockDevice device;
    private final long guestCid;
    private final Consumer<String> requestObserver;
    private long protocolFeatures;

    /**
     * @param requestObserver told the name of each request before it is handled, for diagnostics
     */
    public VhostUserSession(MessageChannel channel, VsockDevice device, long guestCid,
            Consumer<String> requestObserver) {
        this.channel = channel;
        this.device = device;
        this.guestCid = guestCid;
        this.requestObserver = requestObserver;
    }

    /** Handles requests until the front end disconnects. */
    public void run() throws IOException {
        while (true) {
            Message m = channel.read();
            if (m == null) {
                LOG.info("vhost-user front end disconnected");
                return;
            }
            handle(m);
        }
    }

    /** Handles one request, including any reply; never lets a bad request end the session. */
    void handle(Message m) throws ErrnoException {
        String name = Request.describe(m.request());
        requestObserver.accept(name);
        LOG.debug("vhost-user request", "request", name, "size", m.payload().length, "fds", m.fds().length);
        Request request = Request.of(m.request());
        byte[] reply;
        boolean ok = true;
        try {
            if ((m.flags() & Message.VERSION_MASK) != Message.VERSION) {
                throw new IllegalArgumentException("message version " + (m.flags() & Message.VERSION_MASK) + ", not 1");
            }
            if (request == null) {
                throw new IllegalArgumentException("request is not implemented by this backend");
            }
            reply = apply(request, m);
        } catch (IllegalArgumentException | ErrnoException | BufferUnderflowException e) {
            MessageChannel.closeAll(m.fds());
            LOG.warn("vhost-user request refused", "request", name, "error", String.valueOf(e.getMessage()));
            ok = false;
            reply = null;
            if (request != null && hasOwnReply(request)) {
                // The front end waits for this reply whatever happened; an empty one tells it we failed.
                channel.write(Message.reply(m.request(), new byte[0]));
                return;
            }
        }
        if (reply != null) {
            channel.write(Message.reply(m.request(), reply));
        } else if (m.needsReply() && Features.has(protocolFeatures, Features.PROTOCOL_F_REPLY_ACK)) {
            channel.write(Message.reply(m.request(), Message.u64(ok ? ACK_OK : ACK_FAILED)));
        }
    }

    private static boolean hasOwnReply(Request r) {
        return switch (r) {
            case GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_VRING_BASE, GET_CONFIG -> true;
            default -> false;
        };
    }

    /** Applies {@code r}; returns its reply payload, or null for requests without one. */
    private byte[] apply(Request r, Message m) throws ErrnoException {
        if (r != Request.SET_MEM_TABLE && r != Request.SET_VRING_KICK && r != Request.SET_VRING_CALL
                && r != Request.SET_VRING_ERR && m.fds().length > 0) {
            throw new IllegalArgumentException(m.fds().length + " unexpected descriptors");
        }
        ByteBuffer body = m.body();
        return switch (r) {
            case GET_FEATURES -> Message.u64(Features.DEVICE);
            case SET_FEATURES -> {
                long features = body.getLong();
                if ((features & ~Features.DEVICE) != 0) {
                    throw new IllegalArgumentException("features 0x" + Long.toHexString(features & ~Features.DEVICE)
                            + " were never offered");
                }
                device.enableOnKick(!Features.has(features, Features.VHOST_USER_F_PROTOCOL_FEATURES));
                yield null;
            }
            case GET_PROTOCOL_FEATURES -> Message.u64(Features.PROTOCOL);
            case SET_PROTOCOL_FEATURES -> {
                long features = body.getLong();
                protocolFeatures = features & Features.PROTOCOL;
                yield null;
            }
            case SET_OWNER -> null;
            case RESET_OWNER -> {
                device.reset();
                yield null;
            }
            case SET_MEM_TABLE -> {
                setMemTable(body, m.fds());
                yield null;
            }
            case SET_LOG_BASE, SET_LOG_FD ->
                    throw new IllegalArgumentException("dirty-page logging was not offered (no migration support)");
            case SET_VRING_NUM -> {
                device.setSize(body.getInt(), body.getInt());
                yield null;
            }
            case SET_VRING_ADDR -> {
                int index = body.getInt();
                int flags = body.getInt();
                long desc = body.getLong();
                long used = body.getLong();
                long avail = body.getLong();
                if (flags != 0) {
                    LOG.debug("vring address flags ignored (no logging)", "queue", index, "flags", flags);
                }
                device.setAddresses(index, desc, used, avail);
                yield null;
            }
            case SET_VRING_BASE -> {
                device.setBase(body.getInt(), body.getInt());
                yield null;
            }
            case GET_VRING_BASE -> {
                int index = body.getInt();
                int base = device.stop(index);
                yield ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(base).array();
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> {
                setVringFd(r, body.getLong(), m.fds());
                yield null;
            }
            case GET_QUEUE_NUM -> Message.u64(VsockDevice.QUEUES);
            case SET_VRING_ENABLE -> {
                int index = body.getInt();
                device.setEnabled(index, body.getInt() != 0);
                yield null;
            }
            case GET_CONFIG -> config(body);
            case SET_CONFIG -> {
                LOG.debug("vsock config is read-only; SET_CONFIG ignored");
                yield null;
            }
            default -> throw new IllegalArgumentException("request is not implemented by this backend");
        };
    }

    private void setMemTable(ByteBuffer body, int[] fds) throws ErrnoException {
        int count = body.getInt();
        body.getInt();
        if (count < 1 || count > MAX_REGIONS || body.remaining() < count * REGION_SIZE) {
            throw new IllegalArgumentException("memory table with " + count + " regions in "
                    + (body.remaining() + 8) + " bytes");
        }
        List<MappedMemoryTable.RegionDescription> regions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            regions.add(new MappedMemoryTable.RegionDescription(body.getLong(), body.getLong(), body.getLong(),
                    body.getLong()));
        }
        MappedMemoryTable table = MappedMemoryTable.map(regions, fds);
        // The mappings keep the memory; the descriptors are no longer needed. On failure above, the caller
        // closes them.
        MessageChannel.closeAll(fds);
        device.setMemory(table);
        LOG.debug("guest memory mapped", "regions", count);
    }

    private void setVringFd(Request r, long value, int[] fds) {
        int index = (int) (value & VRING_INDEX_MASK);
        boolean noFd = (value & VRING_NO_FD) != 0;
        if (noFd != (fds.length == 0) || fds.length > 1) {
            throw new IllegalArgumentException("queue " + index + ": " + fds.length + " descriptors with no-fd flag "
                    + noFd);
        }
        if (noFd && r == Request.SET_VRING_KICK) {
            throw new IllegalArgumentException("queue " + index
                    + ": polling without a kick descriptor is not supported");
        }
        int fd = noFd ? -1 : fds[0];
        switch (r) {
            case SET_VRING_KICK -> device.setKick(index, fd);
            case SET_VRING_CALL -> device.setCall(index, fd);
            default -> device.setErr(index, fd);
        }
    }

    /** The vsock config space is one le64, the guest's CID. */
    private byte[] config(ByteBuffer body) {
        int offset = body.getInt();
        int size = body.getInt();
        int flags = body.getInt();
        if (offset < 0 || size < 0 || size > 256) {
            throw new IllegalArgumentException("config read of " + size + " bytes at " + offset);
        }
        byte[] space = Message.u64(guestCid);
        ByteBuffer out = ByteBuffer.allocate(CONFIG_HEADER + size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(offset).putInt(size).putInt(flags);
        for (int i = 0; i < size; i++) {
            // In long: an offset near 2^31 would wrap to a negative index.
            long at = (long) offset + i;
            out.put(at < space.length ? space[(int) at] : 0);
        }
        return out.array();
    }
}
