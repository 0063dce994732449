package dev.katajava.vhostuser.device;

import dev.katajava.logging.Log;
import dev.katajava.vhostuser.virtqueue.DescriptorChain;
import dev.katajava.vhostuser.virtqueue.InvalidChainException;
import dev.katajava.vhostuser.virtqueue.RingCorruptException;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.PacketHeader;
import dev.katajava.vhostuser.vsock.VsockMuxer;
import java.util.Arrays;

/**
 * Serves the receive queue (device to guest): writes queued packets into the guest's empty buffers, splitting a
 * payload that does not fit one buffer across several packets.
 */
public final class RxQueueHandler {
    private static final Log LOG = Log.of("vhost-user-vsock");

    private final VsockMuxer muxer;

    public RxQueueHandler(VsockMuxer muxer) {
        this.muxer = muxer;
    }

    /**
     * Delivers packets while there are both packets and buffers. Returns whether any chain went back on the used
     * ring.
     */
    public boolean fill(SplitVirtqueue queue) throws RingCorruptException {
        boolean returned = false;
        while (true) {
            Packet packet = muxer.nextForGuest();
            if (packet == null) {
                return returned;
            }
            DescriptorChain chain;
            try {
                chain = queue.next();
            } catch (InvalidChainException e) {
                muxer.returnForGuest(packet);
                LOG.warn("receive chain rejected", "reason", e.getMessage());
                if (e.head() >= 0) {
                    queue.putUsed(e.head(), 0);
                    returned = true;
                }
                continue;
            } catch (RingCorruptException e) {
                muxer.returnForGuest(packet);
                throw e;
            }
            if (chain == null) {
                muxer.returnForGuest(packet);
                return returned;
            }
            if (!chain.readable().isEmpty() || chain.writableLength() < PacketHeader.SIZE) {
                LOG.warn("receive chain rejected", "head", chain.head(), "reason",
                        "needs only device-writable buffers of at least " + PacketHeader.SIZE + " bytes");
                muxer.returnForGuest(packet);
                queue.putUsed(chain.head(), 0);
                returned = true;
                continue;
            }
            queue.putUsed(chain.head(), write(chain, packet));
            returned = true;
        }
    }

    /** Writes as much of {@code packet} as fits and queues the rest first in line; returns bytes written. */
    private int write(DescriptorChain chain, Packet packet) {
        byte[] payload = packet.payload();
        int fits = (int) Math.min(payload.length, chain.writableLength() - PacketHeader.SIZE);
        byte[] header = packet.header().withLen(fits).encode();
        chain.write(0, header, 0, header.length);
        chain.write(PacketHeader.SIZE, payload, 0, fits);
        if (fits < payload.length) {
            byte[] rest = Arrays.copyOfRange(payload, fits, payload.length);
            muxer.returnForGuest(new Packet(packet.header().withLen(rest.length), rest));
        }
        return PacketHeader.SIZE + fits;
    }
}
