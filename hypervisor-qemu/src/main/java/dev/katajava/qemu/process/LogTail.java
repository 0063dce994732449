package dev.katajava.qemu.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The end of a log file that something else is still writing. */
public final class LogTail {
    private LogTail() {
    }

    /** Up to {@code maxBytes} from the end of {@code file}, not before {@code from}; empty if it cannot be read. */
    public static String read(Path file, long from, int maxBytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long start = Math.max(from, len - Math.max(0, maxBytes));
            if (start >= len) {
                return "";
            }
            byte[] buf = new byte[(int) (len - start)];
            f.seek(start);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public static long size(Path file) {
        return file.toFile().length();
    }
}
