package dev.katajava.virtcontainers.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The virtiofsd settings of {@code [hypervisor.qemu]}, present when {@code shared_fs = "virtio-fs"}.
 *
 * @param daemon    the virtiofsd executable
 * @param cache     the daemon's cache mode ({@code auto}, {@code always} or {@code none})
 * @param extraArgs appended to the daemon's command line as given
 */
public record VirtioFsConfig(Path daemon, String cache, List<String> extraArgs) {
    /** Kata's virtio_fs_cache values and the cache mode each means to virtiofsd. */
    public static final Map<String, String> CACHE_MODES = Map.of("auto", "auto", "always", "always", "never", "none");

    public VirtioFsConfig {
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(cache, "cache");
        extraArgs = List.copyOf(extraArgs);
    }

    /** The cache mode as configuration.toml names it. */
    public String kataCache() {
        return CACHE_MODES.entrySet().stream().filter(e -> e.getValue().equals(cache)).map(Map.Entry::getKey)
                .findFirst().orElse(cache);
    }
}
