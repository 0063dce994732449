package dev.katajava.qemu.accel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Remembers, until the host reboots (the default directory is on the /run tmpfs), that KVM did not give a
 * working guest here, so only the first sandbox of a boot pays for the probe. The file holds the reason.
 * A verdict belongs to one QEMU and one guest kernel: on nested paravirtual KVM a kernel built for it runs
 * where Debian's hangs, so changing either in the configuration earns a new probe.
 */
public final class KvmVerdict {
    public static final Path DEFAULT_DIR = Path.of("/run/kata-containers");
    /** Every verdict file's name starts with this. */
    public static final String FILE_PREFIX = "kvm-unusable-";

    private final Path file;

    public KvmVerdict(Path file) {
        this.file = file;
    }

    /** The verdict file in {@code dir} for guests of {@code kernel} run by {@code qemu}. */
    public static Path fileFor(Path dir, Path qemu, Path kernel) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((qemu.toAbsolutePath() + "\0" + kernel.toAbsolutePath())
                    .getBytes(StandardCharsets.UTF_8));
            return dir.resolve(FILE_PREFIX + HexFormat.of().formatHex(digest, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Why an earlier probe found KVM unusable, or empty when none did. */
    public Optional<String> knownBroken() {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records the verdict; failing to write only costs a later sandbox another probe, so it is not an error. */
    public boolean recordBroken(String reason) {
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            // Written aside and renamed, so a concurrent sandbox never reads half a reason.
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, reason + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: a stray temp file on /run is harmless.
                }
            }
            return false;
        }
    }

    public Path file() {
        return file;
    }
}
