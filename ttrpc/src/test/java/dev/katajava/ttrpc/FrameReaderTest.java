package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
    private static byte[] concat(ByteBuffer... parts) {
        int n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) {
            all.put(p);
        }
        return all.array();
    }

    @Test
    void readsConsecutiveFramesThenNullAtACleanEnd() throws Exception {
        var stream = new MemoryStream(concat(Frames.encode(1, Frames.TYPE_REQUEST, new byte[] {7, 8}),
                Frames.encode(3, Frames.TYPE_DATA, new byte[0])));
        var reader = new FrameReader(stream);

        FrameReader.Frame first = reader.next();
        assertThat(first.header()).isEqualTo(new Frames.Header(2, 1, Frames.TYPE_REQUEST, (byte) 0));
        assertThat(first.body()).containsExactly(7, 8);
        FrameReader.Frame second = reader.next();
        assertThat(second.header().streamId()).isEqualTo(3);
        assertThat(second.body()).isEmpty();
        assertThat(reader.next()).isNull();
    }

    @Test
    void oversizedBodyIsSkippedInSmallPiecesAndTheNextFrameStillReads() throws Exception {
        int size = Frames.MAX_MESSAGE_SIZE + 1;
        ByteBuffer oversized = ByteBuffer.allocate(Frames.HEADER_SIZE + size);
        oversized.putInt(size).putInt(5).put(Frames.TYPE_REQUEST).put((byte) 0).position(oversized.capacity()).flip();
        var stream = new MemoryStream(concat(oversized, Frames.encode(7, Frames.TYPE_REQUEST, new byte[] {1})));
        var reader = new FrameReader(stream);

        FrameReader.Frame skipped = reader.next();
        assertThat(skipped.header().oversized()).isTrue();
        assertThat(skipped.header().length()).isEqualTo(size);
        assertThat(skipped.body()).isNull();
        assertThat(reader.next().body()).containsExactly(1);
        assertThat(stream.largestRead).isLessThanOrEqualTo(FrameReader.SKIP_CHUNK);
    }

    @Test
    void lengthAboveTwoGigabytesIsReadAsUnsignedAndOversized() throws Exception {
        ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);
        header.putInt(0xffff_fff0).putInt(1).put(Frames.TYPE_REQUEST).put((byte) 0).flip();
        var reader = new FrameReader(new MemoryStream(concat(header)));
        assertThatThrownBy(reader::next).isInstanceOf(EOFException.class).hasMessageContaining("oversized");
    }

    @Test
    void endOfStreamInsideAHeaderOrBodyIsEofException() {
        byte[] frame = Frames.encode(1, Frames.TYPE_REQUEST, new byte[] {1, 2, 3}).array();
        assertThatThrownBy(() -> new FrameReader(new MemoryStream(java.util.Arrays.copyOf(frame, 4))).next())
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> new FrameReader(new MemoryStream(java.util.Arrays.copyOf(frame, 11))).next())
                .isInstanceOf(EOFException.class);
    }

    @Test
    void writerEmitsHeaderAndBodyAsOneFrameAndRefusesOversizedBodies() throws Exception {
        var stream = new MemoryStream(new byte[0]);
        new FrameWriter(stream).write(9, Frames.TYPE_RESPONSE, new byte[] {4, 2});
        assertThat(stream.written()).containsExactly(0, 0, 0, 2, 0, 0, 0, 9, 2, 0, 4, 2);
        assertThatThrownBy(() -> new FrameWriter(stream).write(9, Frames.TYPE_RESPONSE,
                new byte[Frames.MAX_MESSAGE_SIZE + 1])).isInstanceOf(IllegalArgumentException.class);
    }
}
