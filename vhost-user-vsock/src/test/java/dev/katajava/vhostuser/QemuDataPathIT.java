package dev.katajava.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.linux.Fds;
import dev.katajava.linux.Mmap;
import dev.katajava.logging.Level;
import dev.katajava.logging.Log;
import dev.katajava.vhostuser.protocol.GuestRings;
import dev.katajava.vhostuser.protocol.GuestVsock;
import dev.katajava.vhostuser.qtest.QemuBinary;
import dev.katajava.vhostuser.qtest.Qtest;
import dev.katajava.vhostuser.qtest.VirtioPciDevice;
import dev.katajava.vhostuser.virtqueue.GuestDriver;
import dev.katajava.vhostuser.virtqueue.GuestQueue;
import dev.katajava.vhostuser.vsock.Op;
import dev.katajava.vhostuser.vsock.PacketHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU as the front end, with the test acting as the guest's virtio driver through qtest (the CPU halts):
 * the driver starts the device, which makes QEMU hand guest memory and rings to the backend, and then vsock
 * packets travel between a hybrid-socket client and rings in guest RAM, kicked through QEMU's notify region.
 */
class QemuDataPathIT {
    private static final long CID = 42;
    private static final long RAM = 128L << 20;
    /** Guest RAM the test lays rings and buffers in; below 4 GiB guest-physical equals file offset. */
    private static final long TEST_AREA = 16L << 20;
    private static final long BAR = 0xe000_0000L;
    private static final int QUEUE_SIZE = 64;

    @TempDir
    Path dir;

    @Test
    void guestDriverStartsTheDeviceAndStreamsFlowThroughQemu() throws Exception {
        assertThat(QemuBinary.installed()).as(QemuBinary.NAME + " on the PATH (scripts/deps.sh installs it)").isTrue();
        Path ramFile = Files.createTempFile(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : dir,
                "guest-ram", "");
        try (RandomAccessFile f = new RandomAccessFile(ramFile.toFile(), "rw")) {
            f.setLength(RAM);
        }
        ByteArrayOutputStream backendLog = new ByteArrayOutputStream();
        Log.configure(backendLog, Level.DEBUG);
        Path vhostSocket = dir.resolve("vhost.sock");
        Path hybridSocket = dir.resolve("vsock.sock");
        Path qtestSocket = dir.resolve("qtest.sock");
        Path qemuLog = dir.resolve("qemu.log");
        int ramFd = Fds.open(ramFile.toString(), Fds.O_RDWR | Fds.O_CLOEXEC, 0);
        MemorySegment ram = Mmap.mapShared(ramFd, RAM, 0, true);
        Process qemu = null;
        try (VhostUserVsockBackend backend = VhostUserVsockBackend.start(vhostSocket, hybridSocket, CID);
                ServerSocketChannel qtestServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            qtestServer.bind(UnixDomainSocketAddress.of(qtestSocket));
            qemu = new ProcessBuilder(QemuBinary.NAME, "-accel", "tcg", "-bios", haltingFirmware().toString(),
                    "-qtest", "unix:" + qtestSocket, "-m", "128M",
                    "-object", "memory-backend-file,id=mem,size=128M,mem-path=" + ramFile + ",share=on",
                    "-machine", "q35,memory-backend=mem",
                    "-chardev", "socket,id=vsock0,path=" + vhostSocket,
                    "-device", "vhost-user-vsock-pci,chardev=vsock0",
                    "-display", "none", "-nodefaults", "-monitor", "none", "-serial", "none")
                    .redirectErrorStream(true).redirectOutput(qemuLog.toFile()).start();
            try (Qtest qtest = new Qtest(accept(qtestServer, qemu, qemuLog))) {
                GuestDriver guestRam = new GuestDriver(ram.asSlice(GuestDriver.GUEST_BASE, TEST_AREA));
                GuestQueue rx = guestRam.queue(QUEUE_SIZE);
                GuestQueue tx = guestRam.queue(QUEUE_SIZE);
                GuestQueue event = guestRam.queue(QUEUE_SIZE);

                VirtioPciDevice device = VirtioPciDevice.find(qtest, 0x1af4, 0x1053);
                device.map(BAR);
                device.setStatus(0);
                device.setStatus(VirtioPciDevice.STATUS_ACKNOWLEDGE);
                device.setStatus(VirtioPciDevice.STATUS_ACKNOWLEDGE | VirtioPciDevice.STATUS_DRIVER);
                long features = device.deviceFeatures();
                assertThat(features & (1L << 32)).as("VERSION_1 offered").isNotZero();
                device.driverFeatures(1L << 32);
                int status = VirtioPciDevice.STATUS_ACKNOWLEDGE | VirtioPciDevice.STATUS_DRIVER
                        | VirtioPciDevice.STATUS_FEATURES_OK;
                device.setStatus(status);
                assertThat(device.status() & VirtioPciDevice.STATUS_FEATURES_OK).isNotZero();
                assertThat(device.deviceConfig64(0)).as("guest CID from the config space").isEqualTo(CID);
                device.setUpQueue(0, QUEUE_SIZE, rx.descAddr, rx.availAddr, rx.usedAddr);
                device.setUpQueue(1, QUEUE_SIZE, tx.descAddr, tx.availAddr, tx.usedAddr);
                device.setUpQueue(2, QUEUE_SIZE, event.descAddr, event.availAddr, event.usedAddr);
                device.setStatus(status | VirtioPciDevice.STATUS_DRIVER_OK);

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (Collections.frequency(backend.requestsSeen(), "SET_VRING_KICK") < 2
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(500);
                List<String> seen = backend.requestsSeen();
                System.out.println("QEMU vhost-user requests: " + seen);
                assertThat(seen).as("QEMU output: %s", Files.readString(qemuLog))
                        .containsSubsequence("SET_FEATURES", "SET_MEM_TABLE", "SET_VRING_NUM", "SET_VRING_BASE",
                                "SET_VRING_ADDR", "SET_VRING_KICK");

                GuestVsock guest = new GuestVsock(rings(rx, tx, device), CID);
                guest.postReceiveBuffers(16);
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(hybridSocket))) {
                    write(client, "CONNECT 1024\n");
                    PacketHeader request = guest.receive(Op.REQUEST).header();
                    guest.send(Op.RESPONSE, 1024, request.srcPort());
                    assertThat(read(client, 3 + Integer.toUnsignedString(request.srcPort()).length() + 1))
                            .isEqualTo("OK " + Integer.toUnsignedString(request.srcPort()) + "\n");
                    write(client, "hello guest");
                    assertThat(guest.receive(Op.RW).payload()).asString().isEqualTo("hello guest");
                    guest.send(Op.RW, 1024, request.srcPort(), 0, "hello host".getBytes(StandardCharsets.UTF_8));
                    assertThat(read(client, 10)).isEqualTo("hello host");
                }
                assertThat(guest.receive(Op.SHUTDOWN)).isNotNull();
            } finally {
                System.out.println("Backend log:\n" + backendLog);
                System.out.println("QEMU output: " + Files.readString(qemuLog));
                qemu.destroy();
                qemu.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(backend.awaitFrontEndGone(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            Mmap.unmap(ram);
            Fds.close(ramFd);
            Files.deleteIfExists(ramFile);
        }
    }

    /**
     * Firmware whose reset vector disables interrupts and halts, so the CPU stays out of the way (the VM must run
     * for QEMU to start the device, and a real BIOS would reprogram the BARs the test assigns).
     */
    private Path haltingFirmware() throws IOException {
        byte[] image = new byte[64 * 1024];
        java.util.Arrays.fill(image, (byte) 0xF4);
        byte[] resetVector = {(byte) 0xFA, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};
        System.arraycopy(resetVector, 0, image, 0xFFF0, resetVector.length);
        Path firmware = dir.resolve("halt.bin");
        Files.write(firmware, image);
        return firmware;
    }

    private static GuestRings rings(GuestQueue rx, GuestQueue tx, VirtioPciDevice device) {
        return new GuestRings() {
            @Override
            public GuestQueue rx() {
                return rx;
            }

            @Override
            public GuestQueue tx() {
                return tx;
            }

            @Override
            public void kick(int index) throws Exception {
                device.notifyQueue(index);
            }
        };
    }

    private static SocketChannel accept(ServerSocketChannel server, Process qemu, Path log) throws Exception {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            SocketChannel c = server.accept();
            if (c != null) {
                c.configureBlocking(true);
                return c;
            }
            if (!qemu.isAlive()) {
                throw new IOException("QEMU exited: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        throw new IOException("QEMU never connected to qtest: " + Files.readString(log));
    }

    private static void write(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("closed after " + b.position() + " bytes");
            }
        }
        return new String(b.array(), StandardCharsets.US_ASCII);
    }
}
