package dev.katajava.qemu.accel;

import java.util.regex.Pattern;

/**
 * What on a guest console proves that the guest's own kernel runs. Firmware runs before the kernel and
 * prints under any accelerator (SeaBIOS's banner, "Booting from ROM.."), and on some hosts KVM runs the
 * firmware and then hangs in the kernel: only words that the kernel or our init write count.
 */
public final class GuestSigns {
    /** kata-init writes this prefix on its first console line, before it does anything else. */
    public static final String INIT_PREFIX = "kata-init: ";
    /** The kernel's banner, printed when the console is not quiet (enable_debug). */
    private static final Pattern KERNEL_BANNER = Pattern.compile("Linux version \\d");
    private static final Pattern ESCAPES = Pattern.compile("\u001b(\\[[0-9;?]*[A-Za-z]|[A-Za-z])");
    private static final int LAST_WORDS = 120;

    private GuestSigns() {
    }

    /** Whether {@code console} shows our guest kernel or its init running. */
    public static boolean guestKernelRuns(String console) {
        // Not anchored to a line start: firmware often leaves its last line unterminated.
        return console.contains(INIT_PREFIX) || KERNEL_BANNER.matcher(console).find();
    }

    /**
     * The end of {@code console} as one printable line (terminal escapes and control characters dropped), to
     * say in a log or error what the guest got as far as; "nothing" when it is empty.
     */
    public static String lastWords(String console) {
        String plain = ESCAPES.matcher(console).replaceAll("").replaceAll("[\\p{Cntrl}&&[^\n]]", "");
        String flat = plain.strip().replaceAll("\\s*\n\\s*", " / ");
        if (flat.isEmpty()) {
            return "nothing";
        }
        return flat.length() <= LAST_WORDS ? flat : "..." + flat.substring(flat.length() - LAST_WORDS);
    }
}
