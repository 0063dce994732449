package dev.katajava.vhostuser.vsock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacketHeaderTest {
    @Test
    void headerIsFortyFourLittleEndianBytesInSpecOrder() {
        PacketHeader h = new PacketHeader(3, 2, 1024, 0x40000000, 7, 1, 5, 2, 0x40000, 0xFFFFFFFF);
        byte[] b = h.encode();
        assertThat(b).hasSize(44);
        assertThat(b[0]).isEqualTo((byte) 3);
        assertThat(b[8]).isEqualTo((byte) 2);
        assertThat(b[16]).isEqualTo((byte) 0x00);
        assertThat(b[17]).isEqualTo((byte) 0x04);
        assertThat(b[23]).isEqualTo((byte) 0x40);
        assertThat(b[24]).isEqualTo((byte) 7);
        assertThat(b[28]).isEqualTo((byte) 1);
        assertThat(b[30]).isEqualTo((byte) 5);
        assertThat(b[32]).isEqualTo((byte) 2);
        assertThat(b[38]).isEqualTo((byte) 0x04);
        assertThat(b[43]).isEqualTo((byte) 0xFF);
        assertThat(PacketHeader.decode(b)).isEqualTo(h);
    }

    @Test
    void lengthIsUnsigned() {
        PacketHeader h = new PacketHeader(3, 2, 1, 1, -1, 1, 5, 0, 0, 0);
        assertThat(h.payloadLength()).isEqualTo(0xFFFFFFFFL);
    }

    @Test
    void shortBufferIsRefused() {
        assertThatThrownBy(() -> PacketHeader.decode(new byte[43])).hasMessageContaining("needs 44 bytes");
    }

    @Test
    void payloadMustMatchTheHeaderLength() {
        PacketHeader h = new PacketHeader(3, 2, 1, 1, 4, 1, 5, 0, 0, 0);
        assertThatThrownBy(() -> new Packet(h, new byte[3])).hasMessageContaining("says 4 payload bytes");
    }
}
