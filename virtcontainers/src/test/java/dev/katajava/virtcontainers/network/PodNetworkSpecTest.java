package dev.katajava.virtcontainers.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodNetworkSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode spec(String namespaces, String mounts) throws Exception {
        return JSON.readTree("{\"linux\":{\"namespaces\":[" + namespaces + "]},\"mounts\":[" + mounts + "]}");
    }

    @Test
    void aSpecWithoutANetworkNamespaceAsksForHostNetworkingWhichIsRefused() throws Exception {
        assertThatThrownBy(() -> PodNetworkSpec.of(spec("{\"type\":\"pid\"}", "")))
                .isInstanceOf(NetworkException.class)
                .hasMessageContaining("host networking is not supported by this runtime");
    }

    @Test
    void aNetworkNamespaceWithoutPathIsANewEmptyOne() throws Exception {
        PodNetworkSpec s = PodNetworkSpec.of(spec("{\"type\":\"network\"}", ""));
        assertThat(s.netns()).isNull();
        assertThat(s.dns()).isEmpty();
    }

    @Test
    void aPathThatDoesNotExistIsRefusedByName() throws Exception {
        Path missing = dir.resolve("no-such-netns");
        assertThatThrownBy(() -> PodNetworkSpec.of(spec("{\"type\":\"network\",\"path\":\"" + missing + "\"}", "")))
                .hasMessage("network namespace " + missing + " does not exist");
    }

    @Test
    void aPathThatIsNotANetworkNamespaceIsRefusedByName() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> PodNetworkSpec.of(spec("{\"type\":\"network\",\"path\":\"" + file + "\"}", "")))
                .hasMessageStartingWith("network namespace " + file + " cannot be joined: setns");
    }

    @Test
    void theResolverLinesOfTheMountedResolvConfBecomeTheDnsList() throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"),
                "# generated\nnameserver 10.0.0.10\nsearch svc.cluster.local\noptions ndots:5\n");
        PodNetworkSpec s = PodNetworkSpec.of(spec("{\"type\":\"network\"}",
                "{\"destination\":\"/etc/resolv.conf\",\"source\":\"" + resolv + "\"}"));
        assertThat(s.dns()).containsExactly("nameserver 10.0.0.10", "search svc.cluster.local", "options ndots:5");
    }
}
