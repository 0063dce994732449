package dev.katajava.virtcontainers.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code [factory]} table: VM templating and the VM cache as Kata configures them.
 *
 * @param enableTemplate  new sandboxes are cloned from the template at {@code templatePath} when it matches
 * @param templatePath    the template's directory, a tmpfs this runtime mounts ({@code kata-runtime factory init})
 * @param vmCacheNumber   how many booted, paused VMs {@code kata-runtime factory init} keeps ready; 0 is off
 * @param vmCacheEndpoint the Unix socket the cache server hands VMs out on
 */
public record FactoryConfig(boolean enableTemplate, Path templatePath, int vmCacheNumber, Path vmCacheEndpoint) {
    /** Kata's default directory of the template. */
    public static final Path DEFAULT_TEMPLATE_PATH = Path.of("/run/vc/vm/template");
    /** Kata's default socket of the VM cache. */
    public static final Path DEFAULT_VM_CACHE_ENDPOINT = Path.of("/var/run/kata-containers/cache.sock");
    /** Templating and the cache off, as Kata ships them. */
    public static final FactoryConfig DISABLED = new FactoryConfig(false, DEFAULT_TEMPLATE_PATH);

    public FactoryConfig {
        Objects.requireNonNull(templatePath, "templatePath");
        Objects.requireNonNull(vmCacheEndpoint, "vmCacheEndpoint");
        if (vmCacheNumber < 0) {
            throw new IllegalArgumentException("vmCacheNumber must not be negative: " + vmCacheNumber);
        }
    }

    /** Templating settings with the VM cache off. */
    public FactoryConfig(boolean enableTemplate, Path templatePath) {
        this(enableTemplate, templatePath, 0, DEFAULT_VM_CACHE_ENDPOINT);
    }

    /** Whether sandboxes ask the cache server for a VM. */
    public boolean vmCache() {
        return vmCacheNumber > 0;
    }
}
