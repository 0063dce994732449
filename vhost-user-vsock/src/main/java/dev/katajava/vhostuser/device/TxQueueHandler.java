package dev.katajava.vhostuser.device;

import dev.katajava.logging.Log;
import dev.katajava.vhostuser.virtqueue.DescriptorChain;
import dev.katajava.vhostuser.virtqueue.InvalidChainException;
import dev.katajava.vhostuser.virtqueue.RingCorruptException;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;
import dev.katajava.vhostuser.vsock.Packet;
import dev.katajava.vhostuser.vsock.PacketHeader;
import dev.katajava.vhostuser.vsock.VsockMuxer;

/**
 * Serves the transmit queue (guest to device): decodes each chain as one vsock packet and hands it to the
 * multiplexer. Every chain goes back to the guest, malformed or not; a malformed one is logged and dropped.
 */
public final class TxQueueHandler {
    /** Largest payload accepted in one packet; Linux guests send at most 64 KiB. */
    static final int MAX_PAYLOAD = 64 * 1024;

    private static final Log LOG = Log.of("vhost-user-vsock");

    private final VsockMuxer muxer;

    public TxQueueHandler(VsockMuxer muxer) {
        this.muxer = muxer;
    }

    /**
     * Takes every available chain. Returns whether any went back on the used ring.
     *
     * @throws RingCorruptException when the ring itself is inconsistent; the queue is then unusable
     */
    public boolean drain(SplitVirtqueue queue) throws RingCorruptException {
        boolean returned = false;
        while (true) {
            DescriptorChain chain;
            try {
                chain = queue.next();
            } catch (InvalidChainException e) {
                LOG.warn("transmit chain rejected", "reason", e.getMessage());
                if (e.head() >= 0) {
                    queue.putUsed(e.head(), 0);
                    returned = true;
                }
                continue;
            }
            if (chain == null) {
                return returned;
            }
            handle(chain);
            // The device writes nothing into transmit buffers.
            queue.putUsed(chain.head(), 0);
            returned = true;
        }
    }

    private void handle(DescriptorChain chain) {
        if (!chain.writable().isEmpty()) {
            LOG.warn("transmit chain rejected", "head", chain.head(), "reason",
                    "device-writable buffer on the transmit queue");
            return;
        }
        long length = chain.readableLength();
        if (length < PacketHeader.SIZE || length > PacketHeader.SIZE + MAX_PAYLOAD) {
            LOG.warn("transmit chain rejected", "head", chain.head(), "reason",
                    "packet of " + length + " bytes, outside " + PacketHeader.SIZE + ".."
                            + (PacketHeader.SIZE + MAX_PAYLOAD));
            return;
        }
        // Header and payload are copied out of guest memory once each, the payload straight into its own array.
        byte[] head = new byte[PacketHeader.SIZE];
        chain.read(0, head, 0, PacketHeader.SIZE);
        PacketHeader header = PacketHeader.decode(head);
        long present = length - PacketHeader.SIZE;
        if (header.payloadLength() > present) {
            LOG.warn("transmit packet rejected", "packet", header, "reason",
                    "header length exceeds the " + present + " payload bytes present");
            muxer.malformedFromGuest(header);
            return;
        }
        byte[] payload = header.len() == 0 ? Packet.NO_PAYLOAD : new byte[header.len()];
        chain.read(PacketHeader.SIZE, payload, 0, payload.length);
        muxer.fromGuest(new Packet(header, payload));
    }
}
