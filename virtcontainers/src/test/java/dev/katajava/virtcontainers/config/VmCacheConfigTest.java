package dev.katajava.virtcontainers.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VmCacheConfigTest {
    private static final Path FILE = Path.of("/etc/kata-containers/configuration.toml");
    private static final String VALID = """
            [hypervisor.qemu]
            path = "/usr/bin/qemu-system-x86_64"
            kernel = "/usr/share/kata-containers/vmlinux"
            initrd = "/usr/share/kata-containers/initrd"
            """;

    @Test
    void theCacheIsOffByDefaultWithKatasEndpoint() throws Exception {
        FactoryConfig factory = ConfigLoader.parse(FILE, VALID).factory();
        assertThat(factory.vmCache()).isFalse();
        assertThat(factory.vmCacheNumber()).isZero();
        assertThat(factory.vmCacheEndpoint()).isEqualTo(Path.of("/var/run/kata-containers/cache.sock"));
    }

    @Test
    void theFactoryTableTurnsTheCacheOnAtItsEndpoint() throws Exception {
        FactoryConfig factory = ConfigLoader.parse(FILE, VALID
                + "\n[factory]\nvm_cache_number = 3\nvm_cache_endpoint = \"/run/c/cache.sock\"\n").factory();
        assertThat(factory.vmCache()).isTrue();
        assertThat(factory.vmCacheNumber()).isEqualTo(3);
        assertThat(factory.vmCacheEndpoint()).isEqualTo(Path.of("/run/c/cache.sock"));
    }

    @Test
    void aNegativeOrHugeCacheSizeNamesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "\n[factory]\nvm_cache_number = -1\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("[factory] vm_cache_number");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "\n[factory]\nvm_cache_number = 100000\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("[factory] vm_cache_number");
    }

    @Test
    void aRelativeEndpointIsRejected() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, VALID + "\n[factory]\nvm_cache_endpoint = \"cache.sock\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("[factory] vm_cache_endpoint")
                .hasMessageContaining("absolute");
    }
}
