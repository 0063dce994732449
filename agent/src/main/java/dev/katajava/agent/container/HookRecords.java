package dev.katajava.agent.container;

import dev.katajava.logging.JsonString;
import dev.katajava.protocols.agent.Hook;
import dev.katajava.protocols.agent.Spec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The createContainer and startContainer hooks of a spec as the launcher's records: each hook one value of
 * NUL-separated fields (timeout, path, argument count, arguments, environment count, environment), and the
 * state the hooks read, as JSON less its status and pid, which the launcher adds when it runs them.
 */
final class HookRecords {
    private HookRecords() {
    }

    /** One hook's record value; a NUL inside a string cannot be passed and is refused by name. */
    static byte[] encode(String name, Hook hook) throws ContainerException {
        if (!hook.getPath().startsWith("/")) {
            throw ContainerException.invalid("hooks." + name + ".path must be absolute, got \"" + hook.getPath() + "\"");
        }
        if (hook.getTimeout() < 0) {
            throw ContainerException.invalid("hooks." + name + ".timeout must not be negative");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, name, Long.toString(hook.getTimeout()));
        field(out, name, hook.getPath());
        list(out, name, hook.getArgsList());
        list(out, name, hook.getEnvList());
        return out.toByteArray();
    }

    private static void list(ByteArrayOutputStream out, String name, List<String> items) throws ContainerException {
        field(out, name, Integer.toString(items.size()));
        for (String s : items) {
            field(out, name, s);
        }
    }

    private static void field(ByteArrayOutputStream out, String name, String s) throws ContainerException {
        if (s.indexOf('\0') >= 0) {
            throw ContainerException.invalid("hooks." + name + " contains a NUL byte");
        }
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /**
     * The state hooks read, up to but not including its status, pid and closing brace. The bundle is the
     * guest directory that holds the container's rootfs.
     */
    static String statePrefix(String containerId, Spec spec) {
        Path root = Path.of(spec.getRoot().getPath());
        Path bundle = root.getParent() == null ? root : root.getParent();
        StringBuilder b = new StringBuilder("{\"ociVersion\":").append(quote(spec.getVersion()))
                .append(",\"id\":").append(quote(containerId))
                .append(",\"bundle\":").append(quote(bundle.toString()))
                .append(",\"annotations\":{");
        boolean first = true;
        for (Map.Entry<String, String> a : spec.getAnnotationsMap().entrySet()) {
            b.append(first ? "" : ",").append(quote(a.getKey())).append(':').append(quote(a.getValue()));
            first = false;
        }
        return b.append('}').toString();
    }

    /** The whole state with {@code status} and {@code pid}, as a hook run by the agent itself reads it. */
    static String state(String containerId, Spec spec, String status, long pid) {
        return statePrefix(containerId, spec) + ",\"status\":" + quote(status) + ",\"pid\":" + pid + "}";
    }

    static String quote(String s) {
        return JsonString.quote(s);
    }
}
