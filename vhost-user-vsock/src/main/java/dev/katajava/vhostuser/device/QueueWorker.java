package dev.katajava.vhostuser.device;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.EventFd;
import dev.katajava.linux.Poll;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.virtqueue.RingCorruptException;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;

/**
 * The thread serving one started queue: waits for a kick from the guest or a wakeup from the device, does the
 * queue's work, and interrupts the guest through the call eventfd when chains went back and it wants to hear.
 *
 * <p>A platform thread, because it blocks in poll(2) through FFM, which would pin a virtual thread's carrier.
 * The descriptors it uses belong to the device, which closes them only after {@link #stop} returned.
 */
final class QueueWorker {
    private static final Log LOG = Log.of("vhost-user-vsock");

    private final int index;
    private final SplitVirtqueue queue;
    private final QueueWork work;
    private final int kickFd;
    private final int wakeFd;
    private final int callFd;
    private final int errFd;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param wakeFd a non-blocking eventfd the device writes to make the thread look at the queue again or stop
     * @param callFd the guest's interrupt eventfd, or -1
     * @param errFd where to report a broken ring, or -1
     */
    QueueWorker(int index, SplitVirtqueue queue, QueueWork work, int kickFd, int wakeFd, int callFd, int errFd) {
        this.index = index;
        this.queue = queue;
        this.work = work;
        this.kickFd = kickFd;
        this.wakeFd = wakeFd;
        this.callFd = callFd;
        this.errFd = errFd;
        this.thread = Thread.ofPlatform().daemon().name("vhost-user-vsock-queue-" + index).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    SplitVirtqueue queue() {
        return queue;
    }

    /** Stops the thread and waits for it; the queue and descriptors are untouched afterwards. */
    void stop() {
        stopping = true;
        try {
            EventFd.write(wakeFd, 1);
        } catch (ErrnoException e) {
            LOG.warn("cannot wake queue thread to stop it", "queue", index, "error", e.getMessage());
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        int[] fds = {kickFd, wakeFd};
        try {
            while (!stopping) {
                if (work.serve(queue) && callFd >= 0 && queue.guestWantsNotification()) {
                    EventFd.write(callFd, 1);
                }
                int ready = Poll.waitReadable(fds, -1);
                if ((ready & 1) != 0) {
                    EventFd.read(kickFd);
                }
                if ((ready & 2) != 0) {
                    EventFd.read(wakeFd);
                }
            }
        } catch (RingCorruptException e) {
            LOG.warn("virtqueue corrupt; queue stopped until the front end sets it up again", "queue", index,
                    "error", e.getMessage());
            signalError();
        } catch (ErrnoException e) {
            if (!stopping) {
                LOG.warn("queue thread stopped by a failed eventfd call", "queue", index, "error", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("queue thread failed", e, "queue", index);
            signalError();
        }
    }

    private void signalError() {
        if (errFd < 0) {
            return;
        }
        try {
            EventFd.write(errFd, 1);
        } catch (ErrnoException e) {
            LOG.warn("cannot signal the queue's error eventfd", "queue", index, "error", e.getMessage());
        }
    }
}
