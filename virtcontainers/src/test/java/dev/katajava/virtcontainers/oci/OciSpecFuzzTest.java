package dev.katajava.virtcontainers.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.virtcontainers.hooks.OciHooks;

/**
 * A bundle's config.json is written by whoever runs {@code ctr run --config} or a CRI client. Read as the
 * shim reads it (annotations, sysctls, host hooks, then the agent's spec), any bytes must either give an agent
 * spec or be refused with an {@link OciSpecException}; a NullPointerException, a ClassCastException or an
 * unchecked path error is a defect.
 */
class OciSpecFuzzTest {
    private static final String GUEST_ROOT = "/run/kata-containers/shared/containers/c1/rootfs";

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"\"ociVersion\"", "\"process\"", "\"args\"", "\"env\"", "\"cwd\"", "\"user\"", "\"uid\"",
            "\"capabilities\"", "\"rlimits\"", "\"mounts\"", "\"destination\"", "\"source\"", "\"options\"",
            "\"linux\"", "\"namespaces\"", "\"sysctl\"", "\"seccomp\"", "\"syscalls\"", "\"resources\"",
            "\"memory\"", "\"cpu\"", "\"hooks\"", "\"prestart\"", "\"createContainer\"", "\"path\"",
            "\"timeout\"", "\"annotations\"", "\"root\"", "\"hostname\"", "\"terminal\"", "\"consoleSize\""})
    void anyConfigJsonConvertsOrIsRefusedWithAnOciSpecException(byte[] json) {
        Spec spec;
        try {
            JsonNode oci = OciSpecReader.parse("config.json", json);
            OciSpecReader.annotations(oci);
            SysctlCheck.check(oci);
            OciHooks.of(oci);
            spec = AgentSpecConverter.convert(oci, GUEST_ROOT);
        } catch (OciSpecException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(spec.getRoot().getPath()).isEqualTo(GUEST_ROOT);
        assertThat(spec.hasProcess()).isTrue();
    }
}
