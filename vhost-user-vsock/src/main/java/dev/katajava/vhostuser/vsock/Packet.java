package dev.katajava.vhostuser.vsock;

import java.util.Objects;

/** A header and its payload; invariant: {@code header.len() == payload.length}. */
public record Packet(PacketHeader header, byte[] payload) {
    public static final byte[] NO_PAYLOAD = new byte[0];

    public Packet {
        Objects.requireNonNull(header);
        Objects.requireNonNull(payload);
        if (header.payloadLength() != payload.length) {
            throw new IllegalArgumentException("header says " + header.payloadLength() + " payload bytes, have "
                    + payload.length);
        }
    }
}
