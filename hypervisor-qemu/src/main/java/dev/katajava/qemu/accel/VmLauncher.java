package dev.katajava.qemu.accel;

import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;

/** Starts the VM under one accelerator and lets the guest run. */
@FunctionalInterface
public interface VmLauncher<V extends LaunchedVm> {
    /** Returns once QEMU is up and the guest has been let run; a launch that fails leaves no process behind. */
    V launch(Accel accel) throws HypervisorException;
}
