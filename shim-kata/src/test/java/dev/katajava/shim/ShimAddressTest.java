package dev.katajava.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShimAddressTest {
    @Test
    void socketNameIsTheSha256OfAddressNamespaceAndGroup() {
        Path socket = ShimAddress.socketPath("/run/containerd/containerd.sock", "default", "test");
        assertThat(ShimAddress.uri(socket)).isEqualTo(
                "unix:///run/containerd/s/cfa94b04d543b3f64f78eff8125c7a7cd0903173f673d87367be72ff09fc92c2");
        assertThat(ShimAddress.fromUri(ShimAddress.uri(socket))).isEqualTo(socket);
    }
}
