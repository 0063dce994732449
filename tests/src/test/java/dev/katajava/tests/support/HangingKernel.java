package dev.katajava.tests.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest guest "kernel" QEMU boots through its PVH entry point, as it boots ours: an ELF64 with one
 * loadable segment of code that stops the CPU for good, and the Xen PHYS32_ENTRY note that names its entry.
 * It prints nothing, so the console shows the firmware and then silence, which is what a Debian kernel
 * does on a host whose KVM runs only guests built for it.
 */
public final class HangingKernel {
    private static final long LOAD_ADDRESS = 0x100_0000;
    /** cli; hlt; jmp back to the hlt: an interrupt that gets through finds the CPU halted again. */
    private static final byte[] CODE = {(byte) 0xfa, (byte) 0xf4, (byte) 0xeb, (byte) 0xfd};
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private HangingKernel() {
    }

    public static Path write(Path file) throws IOException {
        int noteOffset = EHDR + 2 * PHDR;
        int noteSize = 12 + 4 + 8;
        int codeOffset = (noteOffset + noteSize + 15) & ~15;
        ByteBuffer b = ByteBuffer.allocate(codeOffset + CODE.length).order(ByteOrder.LITTLE_ENDIAN);
        // ELF header: 64-bit, little-endian, version 1, executable for x86-64.
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 62).putInt(1).putLong(LOAD_ADDRESS).putLong(EHDR).putLong(0)
                .putInt(0).putShort((short) EHDR).putShort((short) PHDR).putShort((short) 2)
                .putShort((short) 64).putShort((short) 0).putShort((short) 0);
        // The code segment, read and execute.
        b.putInt(PT_LOAD).putInt(5).putLong(codeOffset).putLong(LOAD_ADDRESS).putLong(LOAD_ADDRESS)
                .putLong(CODE.length).putLong(CODE.length).putLong(16);
        b.putInt(PT_NOTE).putInt(4).putLong(noteOffset).putLong(0).putLong(0).putLong(noteSize).putLong(noteSize)
                .putLong(4);
        // The note: name "Xen", the 64-bit entry address QEMU's PVH loader reads.
        b.putInt(4).putInt(8).putInt(XEN_ELFNOTE_PHYS32_ENTRY).put(new byte[] {'X', 'e', 'n', 0}).putLong(LOAD_ADDRESS);
        b.position(codeOffset);
        b.put(CODE);
        return Files.write(file, b.array());
    }
}
