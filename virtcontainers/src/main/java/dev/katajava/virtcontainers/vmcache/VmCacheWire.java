package dev.katajava.virtcontainers.vmcache;

import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.VmSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cache's messages on its socket: {@code key=value} lines ended by an empty line, one request and one
 * answer per connection. Fingerprint entries travel as {@code fingerprint.<key>} lines. Our own format (Kata
 * uses gRPC here): only this runtime's shims talk to this runtime's server.
 */
final class VmCacheWire {
    /** Far above any real message: a peer sending more is not one of ours. */
    static final int MAX_BYTES = 64 * 1024;
    static final String FINGERPRINT = "fingerprint.";

    private VmCacheWire() {
    }

    static void write(OutputStream out, Map<String, String> message) throws IOException {
        StringBuilder b = new StringBuilder();
        for (var e : message.entrySet()) {
            if (e.getKey().contains("=") || e.getKey().contains("\n") || e.getValue().contains("\n")) {
                throw new IllegalArgumentException("cannot send \"" + e.getKey() + "\": '=' in a key or a newline");
            }
            b.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        b.append('\n');
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one message; a message that is cut short, too long or has a line without '=' is an error. */
    static Map<String, String> read(InputStream in) throws VmCacheException, IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        Map<String, String> message = new LinkedHashMap<>();
        int total = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new VmCacheException("the message ended before its closing empty line");
            }
            if (++total > MAX_BYTES) {
                throw new VmCacheException("the message is longer than " + MAX_BYTES + " bytes");
            }
            if (c != '\n') {
                line.write(c);
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.isEmpty()) {
                return message;
            }
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw new VmCacheException("not a key=value line: \"" + abbreviate(text) + "\"");
            }
            message.put(text.substring(0, eq), text.substring(eq + 1));
        }
    }

    static Map<String, String> describe(CachedVm vm) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("result", "vm");
        m.put("name", vm.name());
        m.put("pid", Long.toString(vm.pid()));
        m.put("run_dir", vm.runDir().toString());
        m.put("share_dir", vm.shareDir().toString());
        m.put("qmp", vm.qmpSocket().toString());
        m.put("agent", vm.agentSocket().toString());
        VmSize s = vm.size();
        m.put("vcpus", Integer.toString(s.vcpus()));
        m.put("max_vcpus", Integer.toString(s.maxVcpus()));
        m.put("memory_mib", Integer.toString(s.memoryMiB()));
        m.put("max_memory_mib", Integer.toString(s.maxMemoryMiB()));
        m.put("memory_slots", Integer.toString(s.memorySlots()));
        m.put("accelerator", vm.accelerator().name());
        putFingerprint(m, vm.fingerprint());
        return m;
    }

    /** The VM a {@code result=vm} answer describes; a missing or malformed field is named in the error. */
    static CachedVm parseVm(Map<String, String> m) throws VmCacheException {
        try {
            VmSize size = new VmSize(integer(m, "vcpus"), integer(m, "max_vcpus"), integer(m, "memory_mib"),
                    integer(m, "max_memory_mib"), integer(m, "memory_slots"));
            return new CachedVm(field(m, "name"), Long.parseLong(field(m, "pid")), Path.of(field(m, "run_dir")),
                    Path.of(field(m, "share_dir")), Path.of(field(m, "qmp")), Path.of(field(m, "agent")), size,
                    Accelerator.valueOf(field(m, "accelerator")), fingerprint(m));
        } catch (IllegalArgumentException e) {
            throw new VmCacheException("the cache described its VM wrongly: " + e.getMessage(), e);
        }
    }

    static void putFingerprint(Map<String, String> m, String rendered) {
        for (String line : rendered.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(FINGERPRINT + line.substring(0, eq), line.substring(eq + 1));
            }
        }
    }

    /** The {@code fingerprint.*} entries of a message, rendered back as fingerprint lines. */
    static String fingerprint(Map<String, String> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (k.startsWith(FINGERPRINT)) {
                b.append(k.substring(FINGERPRINT.length())).append('=').append(v).append('\n');
            }
        });
        return b.toString();
    }

    static String field(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("no " + key);
        }
        return v;
    }

    private static int integer(Map<String, String> m, String key) {
        try {
            return Integer.parseInt(field(m, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not an integer: \"" + m.get(key) + "\"");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
