package dev.katajava.agent.container;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads which signals a process catches from /proc/PID/status (SigCgt). */
final class SignalMasks {
    private SignalMasks() {
    }

    static boolean handles(long pid, int signal) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("SigCgt:")) {
                    return new BigInteger(line.substring(7).strip(), 16).testBit(signal - 1);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Unknown: assume it handles the signal and leave it as sent.
        }
        return true;
    }
}
