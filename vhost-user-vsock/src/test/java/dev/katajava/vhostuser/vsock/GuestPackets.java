package dev.katajava.vhostuser.vsock;

/** Builds packets as a guest with CID {@link #CID} would send them to the host. */
final class GuestPackets {
    static final long CID = 3;

    private GuestPackets() {
    }

    static Packet control(Op op, int guestPort, int hostPort, int flags, int bufAlloc, int fwdCnt) {
        return new Packet(new PacketHeader(CID, VsockMuxer.HOST_CID, guestPort, hostPort, 0, PacketHeader.TYPE_STREAM,
                op.code(), flags, bufAlloc, fwdCnt), Packet.NO_PAYLOAD);
    }

    static Packet control(Op op, int guestPort, int hostPort) {
        return control(op, guestPort, hostPort, 0, 64 * 1024, 0);
    }

    static Packet data(int guestPort, int hostPort, byte[] payload) {
        return new Packet(new PacketHeader(CID, VsockMuxer.HOST_CID, guestPort, hostPort, payload.length,
                PacketHeader.TYPE_STREAM, Op.RW.code(), 0, 64 * 1024, 0), payload);
    }
}
