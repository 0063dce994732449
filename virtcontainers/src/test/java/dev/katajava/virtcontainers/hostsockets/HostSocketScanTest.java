package dev.katajava.virtcontainers.hostsockets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSocketScanTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final List<ServerSocketChannel> listening = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (ServerSocketChannel s : listening) {
            s.close();
        }
    }

    private Path listen(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        listening.add(s);
        return path;
    }

    private JsonNode spec(String mounts) throws IOException {
        return JSON.readTree("{\"mounts\": [" + mounts.replace("DIR", dir.toString()) + "]}");
    }

    @Test
    void findsASocketBoundByItselfAndSocketsInsideABoundDirectoryWithTheirModes() throws Exception {
        Path api = listen(dir.resolve("run/api.sock"));
        listen(dir.resolve("run/sub/deep.sock"));
        Files.writeString(dir.resolve("run/plain-file"), "not a socket");
        Path single = listen(dir.resolve("one/only.sock"));
        Files.setPosixFilePermissions(api, PosixFilePermissions.fromString("rw-rw----"));

        List<HostSocketScan.Found> found = HostSocketScan.scan(spec("""
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/run/sockets", "type": "bind", "source": "DIR/run", "options": ["rbind", "ro"]},
                {"destination": "/only.sock", "type": "bind", "source": "DIR/one/only.sock", "options": ["bind"]},
                {"destination": "/data", "type": "bind", "source": "DIR/one", "options": ["rbind"]}
                """), dir, dir.resolve("no-proc-net-unix"));

        assertThat(found).extracting(HostSocketScan.Found::containerPath).containsExactlyInAnyOrder(
                "/run/sockets/api.sock", "/run/sockets/sub/deep.sock", "/only.sock", "/data/only.sock");
        HostSocketScan.Found a = found.stream().filter(f -> f.containerPath().equals("/run/sockets/api.sock"))
                .findFirst().orElseThrow();
        assertThat(a.mount()).isEqualTo(1);
        assertThat(a.wholeMount()).isFalse();
        assertThat(a.mode()).isEqualTo(0660);
        assertThat(a.uid()).isEqualTo((Integer) Files.getAttribute(api, "unix:uid"));
        HostSocketScan.Found s = found.stream().filter(f -> f.containerPath().equals("/only.sock"))
                .findFirst().orElseThrow();
        assertThat(s.wholeMount()).isTrue();
        assertThat(s.mount()).isEqualTo(2);
        assertThat(s.hostPath()).isEqualTo(single.toRealPath());
    }

    @Test
    void socketsThatAreNotByteStreamsAreLeftOut() throws Exception {
        Path seq = listen(dir.resolve("run/seq.sock"));
        Path stream = listen(dir.resolve("run/stream.sock"));
        Path table = Files.writeString(dir.resolve("unix"), """
                Num       RefCount Protocol Flags    Type St Inode Path
                0000000000000000: 00000002 00000000 00010000 0005 01 1001 %s
                0000000000000000: 00000002 00000000 00010000 0001 01 1002 %s
                0000000000000000: 00000002 00000000 00010000 0001 01 1003 @abstract
                """.formatted(seq.toRealPath(), stream.toRealPath()));

        List<HostSocketScan.Found> found = HostSocketScan.scan(spec("""
                {"destination": "/s", "type": "bind", "source": "DIR/run", "options": ["rbind"]}
                """), dir, table);

        assertThat(found).extracting(HostSocketScan.Found::containerPath).containsExactly("/s/stream.sock");
    }

    @Test
    void guestSocketsReplaceASocketMountsSourceOrAreBoundRightAfterTheirDirectory() throws Exception {
        JsonNode guestSpec = spec("""
                {"destination": "/a", "type": "bind", "source": "/guest/a", "options": ["rbind"]},
                {"destination": "/only.sock", "type": "bind", "source": "/guest/only", "options": ["bind"]},
                {"destination": "/a/over", "type": "tmpfs", "source": "tmpfs"}
                """);
        List<HostSocketScan.Found> found = List.of(
                new HostSocketScan.Found(0, false, Path.of("/h/a/x.sock"), "/a/x.sock", 0, 0, 0600),
                new HostSocketScan.Found(0, false, Path.of("/h/a/y.sock"), "/a/y.sock", 0, 0, 0600),
                new HostSocketScan.Found(1, true, Path.of("/h/only.sock"), "/only.sock", 0, 0, 0600));

        JsonNode out = HostSocketForwarding.bindGuestSockets(guestSpec, found, List.of("/g/0", "/g/1", "/g/2"));

        assertThat(out.path("mounts").findValuesAsText("destination"))
                .containsExactly("/a", "/a/x.sock", "/a/y.sock", "/only.sock", "/a/over");
        assertThat(out.path("mounts").findValuesAsText("source"))
                .containsExactly("/guest/a", "/g/0", "/g/1", "/g/2", "tmpfs");
        assertThat(out.path("mounts").get(1).path("type").asText()).isEqualTo("bind");
        assertThat(guestSpec.path("mounts")).hasSize(3);
    }
}
