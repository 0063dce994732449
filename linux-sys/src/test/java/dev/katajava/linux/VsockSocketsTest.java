package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** This kernel has AF_VSOCK (the guest agent's kernel must too), so creating and binding must work. */
class VsockSocketsTest {
    private static final int EAFNOSUPPORT = 97;

    @Test
    void socketIsCreatedOrTheMissingFamilyIsNamed() throws Exception {
        try {
            int fd = VsockSockets.socket();
            assertThat(fd).isNotNegative();
            Fds.close(fd);
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(EAFNOSUPPORT);
            assertThat(e.getMessage()).contains("socket").contains("AF_VSOCK");
        }
    }

    @Test
    void listeningTwiceOnOnePortFailsWithAddressInUse() throws Exception {
        int port = 40000 + (int) (ProcessHandle.current().pid() % 20000);
        int first = VsockSockets.listen(VsockSockets.VMADDR_CID_ANY, port, 4);
        try {
            assertThatThrownBy(() -> VsockSockets.listen(VsockSockets.VMADDR_CID_ANY, port, 4))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE);
                        assertThat(e.getMessage()).contains("bind").contains("vsock 4294967295:" + port);
                    });
        } finally {
            Fds.close(first);
        }
    }
}
