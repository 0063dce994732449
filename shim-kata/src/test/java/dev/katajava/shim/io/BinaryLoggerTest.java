package dev.katajava.shim.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinaryLoggerTest {
    @TempDir
    Path dir;

    @Test
    void queryPairsBecomeArgumentsAsContainerdPassesThem() {
        assertThat(BinaryLogger.queryArguments("id=abc&flag&path=%2Fvar%2Flog")).containsExactly(
                "id", "abc", "flag", "path", "/var/log");
        assertThat(BinaryLogger.queryArguments(null)).isEmpty();
    }

    @Test
    void theLoggerGetsStdoutOnFd3StderrOnFd4TheContainersIdentityAndItsArguments() throws Exception {
        Path out = dir.resolve("out.txt");
        Path logger = dir.resolve("logger.sh");
        Files.writeString(logger, """
                #!/bin/sh
                echo "$CONTAINER_NAMESPACE/$CONTAINER_ID $*" > "%s"
                exec 5>&-
                cat <&3 | sed 's/^/out: /' >> "%s" &
                cat <&4 | sed 's/^/err: /' >> "%s.err"
                wait
                """.formatted(out, out, out));
        Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));

        BinaryLogger l = BinaryLogger.start("binary://" + logger + "?mode=test", "c1", "ns1");
        l.stdout().write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
        l.stderr().write(ByteBuffer.wrap("oops\n".getBytes(StandardCharsets.US_ASCII)));
        l.stdout().close();
        l.stderr().close();
        l.close();

        assertThat(Files.readAllLines(out)).containsExactly("ns1/c1 mode test", "out: hello");
        assertThat(Files.readAllLines(Path.of(out + ".err"))).containsExactly("err: oops");
    }

    @Test
    void aLoggingBinaryThatIsNotExecutableFailsTheStartNamingIt() throws Exception {
        Path notExecutable = Files.writeString(dir.resolve("plain.txt"), "x");
        assertThatThrownBy(() -> BinaryLogger.start("binary://" + notExecutable, "c1", "ns1"))
                .hasMessageContaining(notExecutable + " is not an executable file");
        assertThatThrownBy(() -> BinaryLogger.start("binary://" + dir.resolve("missing"), "c1", "ns1"))
                .hasMessageContaining("missing is not an executable file");
    }
}
