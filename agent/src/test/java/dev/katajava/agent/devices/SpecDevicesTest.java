package dev.katajava.agent.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katajava.protocols.agent.LinuxDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecDevicesTest {
    @TempDir
    Path sysDev;

    private static LinuxDevice device(String path, String type, long major, long minor) {
        return LinuxDevice.newBuilder().setPath(path).setType(type).setMajor(major).setMinor(minor).setFileMode(0100600)
                .setUID(1).setGID(2).build();
    }

    @Test
    void eachDeviceBecomesOneRecordWithOnlyThePermissionBitsOfItsMode() throws Exception {
        assertThat(SpecDevices.records(List.of(device("/dev/fuse", "c", 10, 229), device("/dev/u", "u", 1, 3),
                device("/dev/sda", "b", 8, 0), device("/dev/p", "p", 0, 0))))
                .containsExactly("/dev/fuse\tc\t10\t229\t600\t1\t2", "/dev/u\tc\t1\t3\t600\t1\t2",
                        "/dev/sda\tb\t8\t0\t600\t1\t2", "/dev/p\tp\t0\t0\t600\t1\t2");
    }

    @Test
    void relativePathsUnknownTypesAndImpossibleNumbersAreRefused() {
        assertThatThrownBy(() -> SpecDevices.records(List.of(device("dev/x", "c", 1, 3)))).hasMessageContaining("absolute");
        assertThatThrownBy(() -> SpecDevices.records(List.of(device("/dev/x", "z", 1, 3)))).hasMessageContaining("\"z\"");
        assertThatThrownBy(() -> SpecDevices.records(List.of(device("/dev/x", "c", 4096, 3))))
                .hasMessageContaining("not a device number");
    }

    @Test
    void aDeviceIsPresentWhenTheKernelListsItsTypeAndNumber() throws Exception {
        Files.createDirectories(sysDev.resolve("char/10:229"));
        Files.createDirectories(sysDev.resolve("block"));

        SpecDevices.requirePresent(List.of(device("/dev/fuse", "c", 10, 229), device("/dev/p", "p", 0, 0)), sysDev);
        assertThatThrownBy(() -> SpecDevices.requirePresent(List.of(device("/dev/sdz", "b", 10, 229)), sysDev))
                .isInstanceOf(DeviceException.class)
                .hasMessage("device /dev/sdz (b 10:229) does not exist in the guest VM: only devices the VM itself"
                        + " has can be given to a container");
    }
}
