package dev.katajava.vhostuser.virtqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.katajava.vhostuser.memory.GuestMemory;
import dev.katajava.vhostuser.memory.MemoryRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A guest writes whatever it likes into the descriptor table and the avail ring: descriptors pointing anywhere
 * (into the rings themselves, across region ends, past memory), chains that loop, absurd lengths and indices.
 * The walker must hand out only slices inside the memory regions, consume exactly one avail entry per call,
 * and refuse everything else with its typed exceptions.
 */
class SplitVirtqueueFuzzTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Region 0 holds the rings; region 1 is a second, small piece of RAM with a gap before it. */
    private static final long RING_BASE = 0x1000;
    private static final long RING_SIZE = 0x10000;
    private static final long DATA_BASE = 0x40000;
    private static final long DATA_SIZE = 0x1000;

    @FuzzTest(maxDuration = "10s")
    void descriptorWalkStaysInsideGuestMemory(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ringRam = arena.allocate(RING_SIZE, 4096);
            MemorySegment dataRam = arena.allocate(DATA_SIZE, 4096);
            List<MemoryRegion> regions = List.of(
                    new MemoryRegion(RING_BASE, RING_SIZE, RING_BASE, ringRam),
                    new MemoryRegion(DATA_BASE, DATA_SIZE, DATA_BASE, dataRam));
            int size = 1 << data.consumeInt(0, 6);
            MemorySegment desc = ringRam.asSlice(0, SplitVirtqueue.descriptorBytes(size));
            MemorySegment avail = ringRam.asSlice(0x800, SplitVirtqueue.availBytes(size));
            MemorySegment used = ringRam.asSlice(0x1000, SplitVirtqueue.usedBytes(size));
            for (int i = 0; i < size; i++) {
                long at = (long) SplitVirtqueue.DESC_SIZE * i;
                desc.set(U64, at, guestAddress(data));
                desc.set(U32, at + 8, data.consumeBoolean() ? data.consumeInt(0, 0x2000) : data.consumeInt());
                desc.set(U16, at + 12, (short) data.consumeInt(0, 7));
                desc.set(U16, at + 14, (short) (data.consumeBoolean() ? data.consumeInt(0, size) : data.consumeInt()));
                avail.set(U16, 4 + 2L * i, (short) (data.consumeBoolean() ? data.consumeInt(0, size) : data.consumeInt()));
            }
            int nextAvail = data.consumeInt(0, 0xFFFF);
            avail.set(U16, 2, (short) (nextAvail + data.consumeInt(0, size + 2)));
            used.set(U16, 2, data.consumeShort());
            SplitVirtqueue queue = new SplitVirtqueue(size, desc, avail, used, new GuestMemory(regions), nextAvail);
            walkAll(queue, size, regions);
        }
    }

    private static long guestAddress(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> RING_BASE + data.consumeLong(-16, RING_SIZE + 16);
            case 1 -> DATA_BASE + data.consumeLong(-16, DATA_SIZE + 16);
            case 2 -> -data.consumeLong(0, 0x10000);
            default -> data.consumeLong();
        };
    }

    private static void walkAll(SplitVirtqueue queue, int size, List<MemoryRegion> regions) {
        for (int call = 0; call <= size + 1; call++) {
            int before = queue.nextAvailIndex();
            DescriptorChain chain;
            try {
                chain = queue.next();
            } catch (InvalidChainException e) {
                assertThat(e.getMessage()).isNotBlank();
                assertThat(e.head()).isBetween(-1, size - 1);
                assertThat(queue.nextAvailIndex()).isEqualTo((before + 1) & 0xFFFF);
                if (e.head() >= 0) {
                    queue.putUsed(e.head(), 0);
                }
                continue;
            } catch (RingCorruptException e) {
                assertThat(e.getMessage()).isNotBlank();
                assertThat(queue.nextAvailIndex()).isEqualTo(before);
                return;
            }
            if (chain == null) {
                assertThat(queue.nextAvailIndex()).isEqualTo(before);
                return;
            }
            assertThat(queue.nextAvailIndex()).isEqualTo((before + 1) & 0xFFFF);
            assertThat(chain.head()).isBetween(0, size - 1);
            assertThat(chain.readable().size() + chain.writable().size()).isBetween(1, size);
            chain.readable().forEach(s -> assertInsideOneRegion(s, regions));
            chain.writable().forEach(s -> assertInsideOneRegion(s, regions));
            if (chain.readableLength() <= 1 << 20) {
                assertThat(chain.readAll()).hasSize((int) chain.readableLength());
            }
            byte[] payload = new byte[64];
            int written = chain.write(3, payload, 0, payload.length);
            assertThat(written).isBetween(0, payload.length);
            assertThat((long) written).isLessThanOrEqualTo(Math.max(0, chain.writableLength() - 3));
            queue.putUsed(chain.head(), written);
        }
    }

    private static void assertInsideOneRegion(MemorySegment slice, List<MemoryRegion> regions) {
        long start = slice.address();
        long end = start + slice.byteSize();
        boolean inside = regions.stream().anyMatch(r -> start >= r.mapping().address()
                && end <= r.mapping().address() + r.mapping().byteSize());
        assertThat(inside).as("slice 0x%x+%d lies inside one region", start, slice.byteSize()).isTrue();
    }
}
