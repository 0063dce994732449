package dev.katajava.virtcontainers.oci;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SysctlCheckTest {
    private static JsonNode spec(String namespaces, String sysctls) throws Exception {
        return new ObjectMapper().readTree("{\"linux\":{\"namespaces\":[" + namespaces + "],\"sysctl\":{" + sysctls + "}}}");
    }

    private static final String ALL = "{\"type\":\"ipc\"},{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"pid\"}";

    @Test
    void namespacedSysctlsOfNamespacesTheContainerHasAreAccepted() throws Exception {
        assertThatCode(() -> SysctlCheck.check(spec(ALL, "\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1000\","
                + "\"fs.mqueue.msg_max\":\"20\",\"kernel.domainname\":\"example.org\",\"kernel.sem\":\"1 2 3 4\"")))
                .doesNotThrowAnyException();
        assertThatCode(() -> SysctlCheck.check(spec("", ""))).doesNotThrowAnyException();
    }

    @Test
    void aSysctlOfANamespaceTheContainerDoesNotOwnIsRefusedByName() {
        assertThatThrownBy(() -> SysctlCheck.check(spec("{\"type\":\"ipc\"}", "\"net.core.somaxconn\":\"1024\"")))
                .isInstanceOf(OciSpecException.class)
                .hasMessageContaining("net.core.somaxconn needs the container's own network namespace");
        assertThatThrownBy(() -> SysctlCheck.check(spec("{\"type\":\"network\"}", "\"kernel.msgmax\":\"1\"")))
                .hasMessageContaining("kernel.msgmax needs the container's own ipc namespace");
    }

    @Test
    void aSysctlOfTheWholeKernelIsRefused() {
        assertThatThrownBy(() -> SysctlCheck.check(spec(ALL, "\"vm.swappiness\":\"10\"")))
                .isInstanceOf(OciSpecException.class)
                .hasMessageContaining("vm.swappiness is not in a separate kernel namespace");
        assertThatThrownBy(() -> SysctlCheck.check(spec(ALL, "\"kernel.hostname\":\"x\"")))
                .hasMessageContaining("use the spec's hostname");
    }
}
