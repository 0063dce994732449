package dev.katajava.qemu.cmdline;

import dev.katajava.virtcontainers.hypervisor.TemplateBoot;
import dev.katajava.virtcontainers.hypervisor.VmSpec;
import java.util.List;

/**
 * What VM templating changes on the command line. The template and its clones get the same shape (a
 * clone's devices must match the saved state one for one); only the RAM's sharing and {@code -incoming}
 * differ.
 */
final class TemplateMemory {
    private TemplateMemory() {
    }

    /**
     * Guest RAM in the template's memory file: shared for the template (its RAM stays in the file, and the
     * migration's {@code x-ignore-shared} leaves it out of the state), private copy-on-write for a clone (each
     * clone reads the template's pages and copies only those it writes).
     */
    static void ram(List<String> cmd, VmSpec spec, MachineKind machine) {
        TemplateBoot t = spec.template();
        if (QemuCommandLine.needsSharedMemory(spec)) {
            throw new IllegalArgumentException("a templated VM cannot have a vhost-user device (agent channel "
                    + spec.agent().kind() + ", shared filesystem " + spec.share().kind() + "): its backend would"
                    + " need the clone's RAM shared, and a clone's RAM is a private copy of the template's");
        }
        String share = t.role() == TemplateBoot.Role.TEMPLATE ? "on" : "off";
        QemuCommandLine.add(cmd, "-object", "memory-backend-file,id=" + QemuCommandLine.RAM_ID + ",mem-path="
                + QemuCommandLine.optionPath(t.memoryFile()) + ",size=" + spec.size().memoryMiB() + "M,share=" + share);
        QemuCommandLine.add(cmd, "-machine", machine.machineArg() + ",memory-backend=" + QemuCommandLine.RAM_ID);
    }

    /**
     * A generation-ID device (Linux reseeds its random pool when the ID changes, and {@code guid=auto} gives
     * every QEMU, so every clone, a new one) and, for a clone, the wait for its state. No balloon: QEMU 7.2
     * discards a reported free page of a private file mapping by punching a hole in the file itself, which
     * would zero that page under every other clone.
     */
    static void devices(List<String> cmd, VmSpec spec, MachineKind machine) {
        if (spec.reclaimFreedMemory()) {
            throw new IllegalArgumentException("a templated VM cannot report freed memory (free page reporting"
                    + " would punch holes in the template's memory file)");
        }
        if (machine.supportsHotplug()) {
            QemuCommandLine.add(cmd, "-device", "vmgenid,guid=auto");
        }
        if (spec.template().role() == TemplateBoot.Role.CLONE) {
            QemuCommandLine.add(cmd, "-incoming", "defer");
        }
    }
}
