package dev.katajava.virtcontainers.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.katajava.protocols.agent.Storage;
import dev.katajava.virtcontainers.hypervisor.ShareDevice;
import dev.katajava.virtcontainers.oci.OciSpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerVolumesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path bundle;

    private final RecordingShare share = new RecordingShare();

    @Test
    void bindMountSourcesAreRewrittenToTheirGuestPaths() throws Exception {
        Path data = Files.createDirectory(bundle.resolve("data"));
        JsonNode spec = spec("""
                {"type":"bind","source":"%s","destination":"/srv/data","options":["rbind","ro"]}""".formatted(data));

        JsonNode out = ContainerVolumes.share(spec, bundle, share, "c1");

        assertThat(out.path("mounts").get(0).path("source").asText()).isEqualTo("/guest/c1/data");
        assertThat(share.calls).containsExactly("c1 " + data + " data rbind=true ro=true");
        assertThat(spec.path("mounts").get(0).path("source").asText()).isEqualTo(data.toString());
    }

    @Test
    void bindOptionWithoutBindTypeIsShared() throws Exception {
        Path hosts = Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
        JsonNode spec = spec("""
                {"type":"none","source":"%s","destination":"/etc/hosts","options":["bind"]}""".formatted(hosts));

        ContainerVolumes.share(spec, bundle, share, "c1");

        assertThat(share.calls).containsExactly("c1 " + hosts + " hosts rbind=false ro=false");
    }

    @Test
    void relativeSourceIsResolvedAgainstTheBundle() throws Exception {
        Files.createDirectory(bundle.resolve("vol"));
        ContainerVolumes.share(spec("""
                {"type":"bind","source":"vol","destination":"/vol","options":["rbind"]}"""), bundle, share, "c1");

        assertThat(share.calls).containsExactly("c1 " + bundle.resolve("vol") + " vol rbind=true ro=false");
    }

    @Test
    void guestFilesystemsDevicesAndSystemPathsAreLeftAlone() throws Exception {
        JsonNode spec = spec("""
                {"type":"proc","source":"proc","destination":"/proc"},
                {"type":"tmpfs","source":"tmpfs","destination":"/dev","options":["nosuid"]},
                {"type":"bind","source":"/dev/null","destination":"/null","options":["bind"]},
                {"type":"bind","source":"/etc","destination":"/sys/fs/x","options":["bind"]},
                {"type":"bind","source":"/etc","destination":"/proc/x","options":["bind"]}""");

        JsonNode out = ContainerVolumes.share(spec, bundle, share, "c1");

        assertThat(share.calls).isEmpty();
        assertThat(out).isEqualTo(spec);
    }

    @Test
    void missingSourceFailsNamingTheSourceAndDestination() {
        JsonNode spec = spec("""
                {"type":"bind","source":"/nonexistent/path","destination":"/data","options":["rbind"]}""");

        assertThatThrownBy(() -> ContainerVolumes.requireSources(spec, bundle))
                .isInstanceOf(OciSpecException.class)
                .hasMessageContaining("/nonexistent/path")
                .hasMessageContaining("/data");
        assertThat(share.calls).isEmpty();
    }

    @Test
    void entryNameIsTheDestinationsLastElementOrAPlaceholder() {
        assertThat(ContainerVolumes.entryName("/var/lib/data/")).isEqualTo("data");
        assertThat(ContainerVolumes.entryName("/")).isEqualTo("volume");
        assertThat(ContainerVolumes.entryName("/a/..")).isEqualTo("volume");
    }

    private static JsonNode spec(String mounts) {
        try {
            return JSON.readTree("{\"mounts\":[" + mounts + "]}");
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final class RecordingShare implements SharedFilesystem {
        final List<String> calls = new ArrayList<>();

        @Override
        public String shareVolume(String containerId, Path source, String name, boolean recursive, boolean readonly) {
            calls.add(containerId + " " + source + " " + name + " rbind=" + recursive + " ro=" + readonly);
            return "/guest/" + containerId + "/" + name;
        }

        @Override
        public void prepare() {
        }

        @Override
        public void startBackend() {
        }

        @Override
        public ShareDevice device() {
            return ShareDevice.virtio9p(Path.of("/"));
        }

        @Override
        public Storage guestStorage() {
            return Storage.getDefaultInstance();
        }

        @Override
        public String shareRootfs(String containerId, Path hostRootfs) {
            return "";
        }

        @Override
        public void unshareContainer(String containerId) {
        }

        @Override
        public void cleanup() {
        }
    }
}
