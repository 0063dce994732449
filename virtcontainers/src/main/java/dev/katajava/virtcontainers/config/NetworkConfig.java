package dev.katajava.virtcontainers.config;

/**
 * How pods' network namespaces reach the VM (Kata's network keys).
 *
 * @param model           {@code internetworking_model}
 * @param disableNewNetns {@code disable_new_netns}: the VMM always runs in the host's namespace here, so the key
 *                        only says the pod's interfaces are not connected, and works with {@code none} only, as
 *                        in Kata
 * @param disableVhostNet {@code disable_vhost_net}: never ask QEMU for vhost-net, even where /dev/vhost-net opens
 */
public record NetworkConfig(Model model, boolean disableNewNetns, boolean disableVhostNet) {
    /** Kata's defaults. */
    public static final NetworkConfig DEFAULT = new NetworkConfig(Model.TCFILTER, false, false);

    /** The internetworking models this runtime implements. */
    public enum Model {
        /** A tap per pod interface, joined to it by tc mirred redirects both ways. */
        TCFILTER("tcfilter"),
        /** The pod's interfaces are not connected: the guest has only its loopback. */
        NONE("none");

        private final String key;

        Model(String key) {
            this.key = key;
        }

        /** The configuration value. */
        public String key() {
            return key;
        }

        /** The model named {@code key} in configuration.toml; null for an unknown name. */
        public static Model of(String key) {
            for (Model m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            return null;
        }
    }
}
