package dev.katajava.vhostuser.virtqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SplitVirtqueueTest {
    private final GuestDriver guest = new GuestDriver(1 << 20);
    private final GuestQueue queue = guest.queue(8);
    private final SplitVirtqueue device = queue.deviceView();

    @AfterEach
    void release() {
        guest.close();
    }

    @Test
    void emptyRingYieldsNoChain() throws Exception {
        assertThat(device.next()).isNull();
    }

    @Test
    void readableChainIsGatheredAcrossDescriptors() throws Exception {
        int head = queue.offerReadable(bytes("hello "), bytes("world"));
        DescriptorChain chain = device.next();
        assertThat(chain.head()).isEqualTo(head);
        assertThat(chain.writable()).isEmpty();
        assertThat(new String(chain.readAll(), StandardCharsets.US_ASCII)).isEqualTo("hello world");
        assertThat(device.next()).isNull();
    }

    @Test
    void writesSpanWritableBuffersAndUsedRingReportsTheLength() throws Exception {
        int head = queue.offerWritable(3, 5);
        DescriptorChain chain = device.next();
        assertThat(chain.writableLength()).isEqualTo(8);
        assertThat(chain.write(0, bytes("abcdefghij"), 0, 10)).isEqualTo(8);
        device.putUsed(chain.head(), 8);
        assertThat(queue.takeUsed()).containsExactly(new GuestQueue.Used(head, 8));
        assertThat(new String(queue.written(head, 8), StandardCharsets.US_ASCII)).isEqualTo("abcdefgh");
    }

    @Test
    void descriptorChainThatLoopsIsRejected() {
        long buf = guest.alloc(16, 8);
        queue.setDescriptor(0, buf, 16, SplitVirtqueue.F_NEXT, 1);
        queue.setDescriptor(1, buf, 16, SplitVirtqueue.F_NEXT, 0);
        queue.publish(0);
        assertThatThrownBy(device::next).isInstanceOfSatisfying(InvalidChainException.class, e -> {
            assertThat(e.head()).isZero();
            assertThat(e.getMessage()).contains("loops");
        });
    }

    @Test
    void descriptorOutsideGuestMemoryIsRejected() {
        queue.setDescriptor(2, GuestDriver.GUEST_BASE + (1 << 20) - 8, 16, 0, 0);
        queue.publish(2);
        assertThatThrownBy(device::next).isInstanceOfSatisfying(InvalidChainException.class, e -> {
            assertThat(e.head()).isEqualTo(2);
            assertThat(e.getMessage()).contains("outside guest memory");
        });
    }

    @Test
    void descriptorWhoseLengthWrapsTheAddressSpaceIsRejected() {
        queue.setDescriptor(0, -16L, 32, 0, 0);
        queue.publish(0);
        assertThatThrownBy(device::next).isInstanceOf(InvalidChainException.class);
    }

    @Test
    void readableDescriptorAfterWritableIsRejected() {
        long buf = guest.alloc(16, 8);
        queue.setDescriptor(0, buf, 8, SplitVirtqueue.F_WRITE | SplitVirtqueue.F_NEXT, 1);
        queue.setDescriptor(1, buf + 8, 8, 0, 0);
        queue.publish(0);
        assertThatThrownBy(device::next).hasMessageContaining("device-readable after a device-writable");
    }

    @Test
    void indirectDescriptorIsRejectedBecauseItWasNotNegotiated() {
        queue.setDescriptor(0, guest.alloc(16, 16), 16, SplitVirtqueue.F_INDIRECT, 0);
        queue.publish(0);
        assertThatThrownBy(device::next).hasMessageContaining("indirect");
    }

    @Test
    void nextIndexBeyondTheQueueIsRejected() {
        queue.setDescriptor(0, guest.alloc(16, 8), 16, SplitVirtqueue.F_NEXT, 9);
        queue.publish(0);
        assertThatThrownBy(device::next).hasMessageContaining("links to 9");
    }

    @Test
    void headIndexBeyondTheQueueIsSkippedAndTheNextChainStillServed() throws Exception {
        queue.publish(12);
        int good = queue.offerReadable(bytes("ok"));
        assertThatThrownBy(device::next).isInstanceOfSatisfying(InvalidChainException.class,
                e -> assertThat(e.head()).isEqualTo(-1));
        assertThat(device.next().head()).isEqualTo(good);
    }

    @Test
    void availIndexRunningAheadByMoreThanTheQueueSizeIsCorrupt() {
        queue.setAvailIndex(9);
        assertThatThrownBy(device::next).isInstanceOf(RingCorruptException.class)
                .hasMessageContaining("9 entries ahead");
    }

    @Test
    void indicesWrapAt65536() throws Exception {
        try (GuestDriver g = new GuestDriver(1 << 20)) {
            GuestQueue q = g.queue(4);
            q.startAt(0xFFFE);
            SplitVirtqueue d = q.deviceView();
            for (int i = 0; i < 6; i++) {
                int head = q.offerWritable(8);
                DescriptorChain chain = d.next();
                assertThat(chain.head()).isEqualTo(head);
                d.putUsed(chain.head(), i);
                assertThat(q.takeUsed()).containsExactly(new GuestQueue.Used(head, i));
            }
            assertThat(d.nextAvailIndex()).isEqualTo(4);
        }
    }

    @Test
    void notificationFollowsTheGuestsFlag() {
        assertThat(device.guestWantsNotification()).isTrue();
        queue.suppressNotifications(true);
        assertThat(device.guestWantsNotification()).isFalse();
    }

    @Test
    void queueSizeMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new SplitVirtqueue(6, guest.ram(), guest.ram(), guest.ram(), guest.memory(), 0))
                .hasMessageContaining("power of two");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
