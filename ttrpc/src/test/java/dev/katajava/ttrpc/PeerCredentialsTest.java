package dev.katajava.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import com.sun.security.auth.module.UnixSystem;
import dev.katajava.protocols.ttrpc.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCredentialsTest {
    private static final String SVC = "test.Echo";

    @TempDir
    Path dir;

    private static ServiceRegistry echo() {
        return new ServiceRegistry().register(SVC, "Echo", StringValue.parser(), (ctx, req) -> req);
    }

    @Test
    void ourOwnIdentityIsTheProcessUidAndGid() throws Exception {
        UnixSystem unix = new UnixSystem();
        UnixDomainPrincipal self = PeerCredentials.self();
        UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();

        assertThat(self).isNotNull();
        assertThat(self.user()).isEqualTo(lookup.lookupPrincipalByName(unix.getUsername()));
        assertThat(self.group()).isEqualTo(lookup.lookupPrincipalByGroupName(Long.toString(unix.getGid())));
    }

    @Test
    void aPeerDiffersWhenEitherItsUidOrItsGidDiffers() throws Exception {
        UnixDomainPrincipal self = PeerCredentials.self();
        UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
        var otherUser = lookup.lookupPrincipalByName(String.valueOf(new UnixSystem().getUid() + 4242));
        var otherGroup = lookup.lookupPrincipalByGroupName(String.valueOf(new UnixSystem().getGid() + 4242));

        assertThat(PeerCredentials.matches(new UnixDomainPrincipal(self.user(), self.group()), self)).isTrue();
        assertThat(PeerCredentials.matches(new UnixDomainPrincipal(otherUser, self.group()), self)).isFalse();
        assertThat(PeerCredentials.matches(new UnixDomainPrincipal(self.user(), otherGroup), self)).isFalse();
        assertThat(PeerCredentials.matches(self, null)).isFalse();
    }

    @Test
    void listenWithTheSameUserCheckServesAClientRunningAsUs() throws Exception {
        try (var s = new ListeningServer(echo(), dir); var client = s.client()) {
            assertThat(client.call(SVC, "Echo", StringValue.of("me"), StringValue.parser(), Duration.ofSeconds(5))
                    .getValue()).isEqualTo("me");
        }
    }

    @Test
    void listenWithTheSameUserCheckClosesAPeerRunningAsAnotherUserUnanswered() throws Exception {
        // A precondition that fails rather than skips: this is the socket's security property.
        assertThat(new UnixSystem().getUid()).as("runs as root, to run a peer as another user").isZero();
        assertThat(Path.of("/usr/bin/setpriv")).as("setpriv (util-linux)").isExecutable();
        assertThat(Path.of("/usr/bin/socat")).as("socat (scripts/deps.sh installs it)").isExecutable();
        try (var s = new ListeningServer(echo(), dir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(s.socket, PosixFilePermissions.fromString("rwxrwxrwx"));
            byte[] request = Frames.encode(1, Frames.TYPE_REQUEST, Request.newBuilder().setService(SVC)
                    .setMethod("Echo").setPayload(StringValue.of("hi").toByteString()).build().toByteArray()).array();

            // Control: the same peer program run as ourselves is served.
            assertThat(askAsOurselves(s.socket, request)).hasSizeGreaterThan(Frames.HEADER_SIZE);
            // As nobody:nogroup it connects (socat would exit 1 on a failed connect) and, without having sent
            // anything, sees the server close the connection: socat ends by itself, with nothing received.
            Process other = socat(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
                    s.socket);
            try {
                assertThat(other.waitFor(10, TimeUnit.SECONDS)).as("connection closed by the server").isTrue();
                assertThat(other.exitValue()).isZero();
                assertThat(other.getInputStream().readAllBytes()).isEmpty();
            } finally {
                other.destroyForcibly();
            }
        }
    }

    private static Process socat(List<String> prefix, Path socket) throws IOException {
        var command = new ArrayList<>(prefix);
        command.addAll(List.of("/usr/bin/socat", "-", "UNIX-CONNECT:" + socket));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Sends {@code request} through socat run as ourselves and returns the answering frame. */
    private static byte[] askAsOurselves(Path socket, byte[] request) throws IOException {
        Process p = socat(List.of(), socket);
        try (OutputStream in = p.getOutputStream(); InputStream out = p.getInputStream()) {
            in.write(request);
            in.flush();
            byte[] header = out.readNBytes(Frames.HEADER_SIZE);
            byte[] body = out.readNBytes(ByteBuffer.wrap(header).getInt());
            return ByteBuffer.allocate(header.length + body.length).put(header).put(body).array();
        } finally {
            p.destroyForcibly();
        }
    }
}
