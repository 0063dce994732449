package dev.katajava.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads the mount table of this process's mount namespace from /proc/self/mountinfo. */
public final class MountInfo {
    private static final Path SELF = Path.of("/proc/self/mountinfo");

    private MountInfo() {
    }

    /** Every mount point, in the order the kernel lists them. */
    public static List<Path> mountPoints() throws IOException {
        return parse(Files.readAllLines(SELF));
    }

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    public static List<Path> mountsUnder(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        List<Path> under = new ArrayList<>();
        for (Path p : mountPoints()) {
            if (p.startsWith(root)) {
                under.add(p);
            }
        }
        under.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return under;
    }

    static List<Path> parse(List<String> lines) {
        List<Path> points = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] fields = line.split(" ", -1);
            if (fields.length > 4) {
                points.add(Path.of(unescape(fields[4])));
            }
        }
        return points;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\') {
                String oct = field.substring(i + 1, Math.min(i + 4, field.length()));
                if (oct.length() == 3 && oct.chars().allMatch(d -> d >= '0' && d <= '7')) {
                    sb.append((char) Integer.parseInt(oct, 8));
                    i += 3;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
