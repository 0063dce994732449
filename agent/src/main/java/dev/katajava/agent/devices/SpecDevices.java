package dev.katajava.agent.devices;

import dev.katajava.protocols.agent.LinuxDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The spec's {@code linux.devices}: nodes the launcher creates in the container. They are made with the
 * numbers the spec gives, so the guest must have a device of that type and number itself: a host device the
 * VM does not have would be a node that can never be opened, and is refused up front instead.
 */
public final class SpecDevices {
    /** Where the kernel lists every device it has, as char/MAJ:MIN and block/MAJ:MIN. */
    public static final Path SYS_DEV = Path.of("/sys/dev");

    private SpecDevices() {
    }

    /** Fails naming the first device the kernel behind {@code sysDev} does not have; FIFOs need nothing. */
    public static void requirePresent(List<LinuxDevice> devices, Path sysDev) throws DeviceException {
        for (LinuxDevice d : devices) {
            String kind = switch (d.getType()) {
                case "c", "u" -> "char";
                case "b" -> "block";
                default -> null;
            };
            if (kind == null) {
                continue;
            }
            String number = d.getMajor() + ":" + d.getMinor();
            if (!Files.exists(sysDev.resolve(kind).resolve(number))) {
                throw new DeviceException("device " + d.getPath() + " (" + d.getType() + " " + number
                        + ") does not exist in the guest VM: only devices the VM itself has can be given to a container");
            }
        }
    }

    /** The launcher's "device" records: PATH, TYPE (c, b or p), MAJOR, MINOR, MODE (octal), UID, GID. */
    public static List<String> records(List<LinuxDevice> devices) throws DeviceException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            LinuxDevice d = devices.get(i);
            String where = "linux.devices[" + i + "] " + d.getPath();
            if (!d.getPath().startsWith("/") || d.getPath().endsWith("/") || d.getPath().contains("\t")
                    || d.getPath().contains("\0")) {
                throw new DeviceException(where + ": the path must be absolute, name a file and hold no tab or NUL");
            }
            String type = switch (d.getType()) {
                case "c", "u" -> "c"; // 'u' (unbuffered) is a character device to the kernel.
                case "b" -> "b";
                case "p" -> "p";
                default -> throw new DeviceException(where + ": type \"" + d.getType() + "\" is not c, u, b or p");
            };
            if (d.getMajor() < 0 || d.getMajor() > 0xFFF || d.getMinor() < 0 || d.getMinor() > 0xFFFFF) {
                throw new DeviceException(where + ": " + d.getMajor() + ":" + d.getMinor() + " is not a device number");
            }
            int mode = d.getFileMode() & 07777;
            out.add(String.join("\t", d.getPath(), type, Long.toString(d.getMajor()), Long.toString(d.getMinor()),
                    Integer.toOctalString(mode), Integer.toUnsignedString(d.getUID()), Integer.toUnsignedString(d.getGID())));
        }
        return out;
    }

    /** The paths the spec creates nodes at, for the runtime defaults' de-duplication. */
    public static List<String> paths(List<LinuxDevice> devices) {
        return devices.stream().map(LinuxDevice::getPath).toList();
    }
}
