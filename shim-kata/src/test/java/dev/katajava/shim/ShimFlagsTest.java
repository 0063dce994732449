package dev.katajava.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShimFlagsTest {
    @Test
    void parsesTheStartInvocationContainerdWrites() {
        ShimFlags f = ShimFlags.parse(new String[] {"-namespace", "default", "-address",
                "/run/containerd/containerd.sock", "-publish-binary", "/usr/bin/containerd", "-id", "c1",
                "-debug", "start"});
        assertThat(f.namespace()).isEqualTo("default");
        assertThat(f.address()).isEqualTo("/run/containerd/containerd.sock");
        assertThat(f.publishBinary()).isEqualTo("/usr/bin/containerd");
        assertThat(f.id()).isEqualTo("c1");
        assertThat(f.debug()).isTrue();
        assertThat(f.action()).isEqualTo("start");
    }

    @Test
    void acceptsEqualsFormAndDoubleDashesAndStopsAtTheAction() {
        ShimFlags f = ShimFlags.parse(new String[] {"--namespace=k8s.io", "-id=c2", "-bundle", "/b", "delete", "-x"});
        assertThat(f.namespace()).isEqualTo("k8s.io");
        assertThat(f.id()).isEqualTo("c2");
        assertThat(f.bundle()).isEqualTo("/b");
        assertThat(f.action()).isEqualTo("delete");
    }

    @Test
    void noActionParsesAsEmpty() {
        assertThat(ShimFlags.parse(new String[] {"-namespace", "n", "-id", "c"}).action()).isEmpty();
    }

    @Test
    void socketIsNotAFlagContainerdPasses() {
        assertThatThrownBy(() -> ShimFlags.parse(new String[] {"-socket", "/s", "start"}))
                .hasMessage("flag provided but not defined: -socket");
    }

    @Test
    void unknownFlagIsRejectedByName() {
        assertThatThrownBy(() -> ShimFlags.parse(new String[] {"-bogus", "1"}))
                .hasMessage("flag provided but not defined: -bogus");
        assertThatThrownBy(() -> ShimFlags.parse(new String[] {"-id"})).hasMessage("flag needs an argument: -id");
    }
}
