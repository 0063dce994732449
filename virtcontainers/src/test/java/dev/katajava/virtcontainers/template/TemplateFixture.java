package dev.katajava.virtcontainers.template;

import dev.katajava.virtcontainers.config.ConfigLoader;
import dev.katajava.virtcontainers.config.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A templating configuration whose QEMU, kernel and initrd are files in a test directory. */
final class TemplateFixture {
    private TemplateFixture() {
    }

    static RuntimeConfig config(Path dir, String extraHypervisorLines) throws Exception {
        for (String f : new String[] {"qemu", "vmlinux", "initrd"}) {
            if (!Files.exists(dir.resolve(f))) {
                Files.writeString(dir.resolve(f), f);
            }
        }
        Path file = dir.resolve("configuration.toml");
        Files.writeString(file, """
                [hypervisor.qemu]
                path = "%s"
                kernel = "%s"
                initrd = "%s"
                machine_type = "q35"
                default_memory = 256
                default_maxvcpus = 2
                default_maxmemory = 1024
                accelerator = "tcg"
                %s
                [agent.kata]
                dial_timeout = 2
                transport = "vhost-user-vsock"

                [factory]
                enable_template = true
                template_path = "%s"
                """.formatted(dir.resolve("qemu"), dir.resolve("vmlinux"), dir.resolve("initrd"), extraHypervisorLines,
                dir.resolve("tpl")));
        return ConfigLoader.load(file);
    }

    /** Mounts nothing; remembers what is "mounted" and reports {@code usable} bytes free. */
    static final class FakeMount implements TemplateMount {
        final Map<Path, Long> mounted = new HashMap<>();
        final long usable;

        FakeMount(long usable) {
            this.usable = usable;
        }

        @Override
        public boolean isMounted(Path dir) {
            return mounted.containsKey(dir);
        }

        @Override
        public void mountTmpfs(Path dir, long bytes) {
            mounted.put(dir, bytes);
        }

        @Override
        public void detach(Path dir) throws IOException {
            if (mounted.remove(dir) == null) {
                throw new IOException("not mounted: " + dir);
            }
        }

        @Override
        public long usableBytes(Path dir) {
            return usable;
        }
    }
}
