package dev.katajava.virtcontainers.hypervisor;

/**
 * Creates hypervisors of one kind; found with {@link java.util.ServiceLoader} and selected by the
 * {@code [hypervisor.<name>]} table of configuration.toml.
 */
public interface HypervisorProvider {
    /** The configuration table name, e.g. {@code qemu}. */
    String name();

    Hypervisor create(VmSpec spec);
}
