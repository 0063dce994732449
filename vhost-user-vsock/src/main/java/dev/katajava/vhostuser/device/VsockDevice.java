package dev.katajava.vhostuser.device;

import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.EventFd;
import dev.katajava.linux.Fds;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.memory.GuestMemory;
import dev.katajava.vhostuser.memory.GuestMemoryException;
import dev.katajava.vhostuser.memory.MappedMemoryTable;
import dev.katajava.vhostuser.virtqueue.SplitVirtqueue;
import dev.katajava.vhostuser.vsock.VsockMuxer;

/**
 * The vsock device's two data queues (0 receive, 1 transmit; the event queue stays in the front end) and the
 * guest memory they live in, configured vring by vring and served by one thread per started queue.
 *
 * <p>Invariant: a queue has a worker exactly while it is started, enabled, fully set up and memory is mapped;
 * the worker is stopped before anything it uses (memory, descriptors) is replaced or released.
 */
public final class VsockDevice implements AutoCloseable {
    public static final int RX = 0;
    public static final int TX = 1;
    public static final int QUEUES = 2;

    private static final Log LOG = Log.of("vhost-user-vsock");

    private final VsockMuxer muxer;
    private final Vring[] vrings = {new Vring(), new Vring()};
    private final QueueWork[] work;
    /** Device-owned eventfds for waking each queue's thread; valid until {@link #close}. */
    private final int[] wakeFds = new int[QUEUES];
    private MappedMemoryTable memory;
    private boolean enableOnKick = true;

    public VsockDevice(VsockMuxer muxer) throws ErrnoException {
        this.muxer = muxer;
        RxQueueHandler rx = new RxQueueHandler(muxer);
        TxQueueHandler tx = new TxQueueHandler(muxer);
        this.work = new QueueWork[] {rx::fill, tx::drain};
        wakeFds[RX] = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        try {
            wakeFds[TX] = EventFd.create(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        } catch (ErrnoException e) {
            closeQuietly(wakeFds[RX]);
            throw e;
        }
        muxer.onPacketsForGuest(this::wakeReceiveQueue);
    }

    /**
     * Whether a kick alone enables a ring: true unless the protocol-feature extension was negotiated, in which
     * case rings wait for SET_VRING_ENABLE.
     */
    public synchronized void enableOnKick(boolean value) {
        enableOnKick = value;
    }

    /** Replaces guest memory; running queues pause while their rings move to the new mappings. */
    public synchronized void setMemory(MappedMemoryTable table) {
        stopWorkers();
        if (memory != null) {
            memory.close();
        }
        memory = table;
        for (int i = 0; i < QUEUES; i++) {
            startIfReady(i);
        }
    }

    public synchronized void setSize(int index, int size) {
        Vring v = vring(index);
        if (size <= 0 || size > SplitVirtqueue.MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue " + index + " size " + size + " is not a power of two up to "
                    + SplitVirtqueue.MAX_SIZE);
        }
        v.size = size;
    }

    /** Ring addresses, in the front end's virtual address space. */
    public synchronized void setAddresses(int index, long desc, long used, long avail) {
        Vring v = vring(index);
        v.descAddr = desc;
        v.usedAddr = used;
        v.availAddr = avail;
        v.addressesSet = true;
    }

    public synchronized void setBase(int index, int base) {
        vring(index).base = base & 0xFFFF;
    }

    /** Stops the queue and returns where it would resume (GET_VRING_BASE). */
    public synchronized int stop(int index) {
        Vring v = vring(index);
        stopWorker(v);
        v.started = false;
        return v.base;
    }

    /** Takes ownership of {@code fd} as the queue's kick and starts the queue. */
    public synchronized void setKick(int index, int fd) {
        Vring v = vring(index);
        stopWorker(v);
        v.kickFd = replace(v.kickFd, fd);
        v.started = true;
        if (enableOnKick) {
            v.enabled = true;
        }
        startIfReady(index);
    }

    /** Takes ownership of {@code fd} (or -1 for none) as the queue's interrupt. */
    public synchronized void setCall(int index, int fd) {
        Vring v = vring(index);
        boolean running = stopWorker(v);
        v.callFd = replace(v.callFd, fd);
        if (running) {
            startIfReady(index);
        }
    }

    public synchronized void setErr(int index, int fd) {
        Vring v = vring(index);
        boolean running = stopWorker(v);
        v.errFd = replace(v.errFd, fd);
        if (running) {
            startIfReady(index);
        }
    }

    public synchronized void setEnabled(int index, boolean enabled) {
        Vring v = vring(index);
        v.enabled = enabled;
        if (enabled) {
            startIfReady(index);
        } else {
            stopWorker(v);
        }
    }

    public synchronized boolean running(int index) {
        return vring(index).worker != null;
    }

    /** Back to the state before any setup: queues stopped, descriptors closed, memory unmapped, streams dropped. */
    public synchronized void reset() {
        stopWorkers();
        for (Vring v : vrings) {
            v.kickFd = replace(v.kickFd, -1);
            v.callFd = replace(v.callFd, -1);
            v.errFd = replace(v.errFd, -1);
            v.started = false;
            v.enabled = false;
            v.addressesSet = false;
            v.base = 0;
        }
        if (memory != null) {
            memory.close();
            memory = null;
        }
        muxer.closeAll();
    }

    @Override
    public synchronized void close() {
        muxer.onPacketsForGuest(() -> { });
        reset();
        // reset() took the multiplexer's lock, so no wakeup can still be running against the descriptors.
        closeQuietly(wakeFds[RX]);
        closeQuietly(wakeFds[TX]);
    }

    private void wakeReceiveQueue() {
        try {
            EventFd.write(wakeFds[RX], 1);
        } catch (ErrnoException e) {
            LOG.warn("cannot wake the receive queue", "error", e.getMessage());
        }
    }

    private void startIfReady(int index) {
        Vring v = vrings[index];
        if (v.worker != null || !v.started || !v.enabled || !v.addressesSet || v.size == 0 || v.kickFd < 0
                || memory == null) {
            return;
        }
        GuestMemory guest = memory.memory();
        SplitVirtqueue queue;
        try {
            queue = new SplitVirtqueue(v.size,
                    guest.frontEndVirtual(v.descAddr, SplitVirtqueue.descriptorBytes(v.size)),
                    guest.frontEndVirtual(v.availAddr, SplitVirtqueue.availBytes(v.size)),
                    guest.frontEndVirtual(v.usedAddr, SplitVirtqueue.usedBytes(v.size)),
                    guest, v.base);
        } catch (GuestMemoryException | IllegalArgumentException e) {
            LOG.warn("queue not started: its rings are not usable", "queue", index, "error", e.getMessage());
            return;
        }
        v.worker = new QueueWorker(index, queue, work[index], v.kickFd, wakeFds[index], v.callFd, v.errFd);
        v.worker.start();
        LOG.debug("queue started", "queue", index, "size", v.size, "base", v.base);
    }

    /** Stops the queue's worker if it has one, remembering where it got to; returns whether it had one. */
    private static boolean stopWorker(Vring v) {
        if (v.worker == null) {
            return false;
        }
        v.worker.stop();
        v.base = v.worker.queue().nextAvailIndex();
        v.worker = null;
        return true;
    }

    private void stopWorkers() {
        for (Vring v : vrings) {
            stopWorker(v);
        }
    }

    private Vring vring(int index) {
        if (index < 0 || index >= QUEUES) {
            throw new IllegalArgumentException("vsock backend serves queues 0 and 1, not " + index);
        }
        return vrings[index];
    }

    private static int replace(int old, int fd) {
        if (old >= 0 && old != fd) {
            closeQuietly(old);
        }
        return fd;
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (ErrnoException ignored) {
            // The descriptor was ours alone; a failed close leaves nothing to undo.
        }
    }
}
