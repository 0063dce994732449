package dev.katajava.virtcontainers.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.transport.HybridVsockTransport;
import dev.katajava.transport.UnixSocketTransport;
import dev.katajava.transport.VsockTransport;
import dev.katajava.virtcontainers.hypervisor.AgentEndpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AgentChannelsTest {
    private static final Path RUN = Path.of("/run/vc/vm/sb1");

    @Test
    void autoTakesKernelVsockWhereTheHostHasItAndTheUserspaceBackendElsewhere() {
        assertThat(AgentChannels.choose("auto", RUN, p -> true).kind()).isEqualTo(AgentEndpoint.Kind.VHOST_VSOCK);
        AgentEndpoint elsewhere = AgentChannels.choose("auto", RUN, p -> false);
        assertThat(elsewhere.kind()).isEqualTo(AgentEndpoint.Kind.VHOST_USER_VSOCK);
        assertThat(elsewhere.socket()).isEqualTo(RUN.resolve("kata.hvsock"));
    }

    @Test
    void theConfigurationCanForceEachTransport() {
        assertThat(AgentChannels.choose("virtio-serial", RUN, p -> true))
                .isEqualTo(AgentEndpoint.virtioSerial(RUN.resolve("agent.sock")));
        assertThat(AgentChannels.choose("vhost-user-vsock", RUN, p -> true).kind())
                .isEqualTo(AgentEndpoint.Kind.VHOST_USER_VSOCK);
        assertThat(AgentChannels.choose("vhost-vsock", RUN, p -> false).kind()).isEqualTo(AgentEndpoint.Kind.VHOST_VSOCK);
    }

    @Test
    void kernelVsockCidsAreValidGuestCids() {
        for (int i = 0; i < 1000; i++) {
            long cid = AgentChannels.choose("vhost-vsock", RUN, p -> true).cid();
            assertThat(cid).isBetween(3L, 0xFFFF_FFFEL);
        }
    }

    @Test
    void eachEndpointIsDialledByItsTransport() {
        assertThat(AgentChannels.transport(AgentChannels.choose("virtio-serial", RUN, p -> true)))
                .isInstanceOf(UnixSocketTransport.class);
        assertThat(AgentChannels.transport(AgentChannels.choose("vhost-user-vsock", RUN, p -> true)))
                .isInstanceOf(HybridVsockTransport.class);
        assertThat(AgentChannels.transport(AgentChannels.choose("vhost-vsock", RUN, p -> true)))
                .isInstanceOf(VsockTransport.class);
    }
}
