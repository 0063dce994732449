package dev.katajava.virtcontainers.template;

import dev.katajava.virtcontainers.config.HypervisorConfig;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a template was made from: the files the VM booted (QEMU binary, kernel, initrd, root image, each by
 * path, size and modification time) and every setting that shapes QEMU's command line. A clone must be
 * started with the very same shape, so any difference means the template cannot serve the sandbox.
 */
public record TemplateFingerprint(Map<String, String> entries) {
    /** Bumped when the templated VM's shape changes in this runtime itself. */
    static final String SHAPE_VERSION = "2";

    public TemplateFingerprint {
        entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(entries)));
    }

    /** The fingerprint a template made now from {@code config} would have. */
    public static TemplateFingerprint of(RuntimeConfig config) {
        HypervisorConfig hv = config.hypervisor();
        Map<String, String> e = new LinkedHashMap<>();
        e.put("shape", SHAPE_VERSION);
        e.put("qemu", file(hv.path()));
        e.put("kernel", file(hv.kernel()));
        e.put("initrd", file(hv.initrd()));
        e.put("image", hv.image() == null ? "none" : file(hv.image()));
        e.put("machine_type", hv.machineType());
        e.put("size", TemplateShape.size(hv).toString());
        e.put("kernel_params", String.join(" ", hv.kernelParams()));
        e.put("accelerator", hv.accelerator().name());
        e.put("shared_fs", hv.sharedFs());
        e.put("debug", Boolean.toString(config.debug()));
        e.put("nic_slots", Integer.toString(TemplateShape.NIC_SLOTS));
        return new TemplateFingerprint(e);
    }

    /** A file as path, size and modification time; a missing file is named as such (and matches nothing). */
    static String file(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return path + " size=" + a.size() + " mtime=" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return path + " unreadable (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** One {@code key=value} line per entry. */
    public String render() {
        StringBuilder b = new StringBuilder();
        entries.forEach((k, v) -> b.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
        return b.toString();
    }

    /** Reads {@link #render}'s format; a line without {@code =} makes the whole file unreadable. */
    public static TemplateFingerprint parse(String text) {
        Map<String, String> e = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a fingerprint line: \"" + line + "\"");
            }
            e.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return new TemplateFingerprint(e);
    }

    /**
     * Why a template with this fingerprint does not fit {@code wanted}, naming the first setting that
     * differs; null when it fits.
     */
    public String mismatch(TemplateFingerprint wanted) {
        for (var w : wanted.entries.entrySet()) {
            String have = entries.get(w.getKey());
            if (!w.getValue().equals(have)) {
                return w.getKey() + " differs: the template has " + (have == null ? "nothing" : "\"" + have + "\"")
                        + ", the configuration \"" + w.getValue() + "\"";
            }
        }
        for (String k : entries.keySet()) {
            if (!wanted.entries.containsKey(k)) {
                return "the template records " + k + ", which this runtime does not";
            }
        }
        return null;
    }
}
