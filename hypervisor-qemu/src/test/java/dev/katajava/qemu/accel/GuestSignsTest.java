package dev.katajava.qemu.accel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuestSignsTest {
    private static final String SEABIOS = "\u001bc\u001b[?7l\u001b[2J\u001b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n"
            + "Booting from ROM..";

    @Test
    void firmwareOutputAloneDoesNotProveTheGuestRuns() {
        assertThat(GuestSigns.guestKernelRuns("")).isFalse();
        assertThat(GuestSigns.guestKernelRuns(SEABIOS)).isFalse();
        assertThat(GuestSigns.guestKernelRuns(SEABIOS + "\r\niPXE (http://ipxe.org) 00:02.0 C000 PCI2.10 PnP PMM\r\n"))
                .isFalse();
    }

    @Test
    void kataInitsFirstLineProvesItEvenRightAfterAnUnterminatedFirmwareLine() {
        assertThat(GuestSigns.guestKernelRuns(SEABIOS + "kata-init: guest kernel up\n")).isTrue();
    }

    @Test
    void theKernelBannerOfAVerboseConsoleProvesIt() {
        assertThat(GuestSigns.guestKernelRuns(SEABIOS + "[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@"))
                .isTrue();
        assertThat(GuestSigns.guestKernelRuns("Linux version 6.1.0-57-amd64")).isTrue();
    }

    @Test
    void lastWordsAreOnePrintableLineWithoutTerminalEscapes() {
        assertThat(GuestSigns.lastWords(SEABIOS)).isEqualTo("SeaBIOS (version 1.16.2-debian-1.16.2-1) / Booting from ROM..");
        assertThat(GuestSigns.lastWords("")).isEqualTo("nothing");
        assertThat(GuestSigns.lastWords("x".repeat(500))).hasSize(123).startsWith("...");
    }
}
