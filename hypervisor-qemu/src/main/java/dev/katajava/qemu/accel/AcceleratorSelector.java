package dev.katajava.qemu.accel;

import dev.katajava.qemu.cmdline.Accel;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import dev.katajava.virtcontainers.hypervisor.HypervisorException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Resolves the configured accelerator into a running VM.
 *
 * <p>KVM and TCG are honoured as asked. AUTO tries KVM when /dev/kvm opens and no earlier probe on this
 * boot condemned it; KVM counts as working only when the guest's own kernel is seen running (see
 * {@link GuestSigns}) within the probe window. Some hosts expose a /dev/kvm on which QEMU aborts, or on
 * which the firmware runs and prints and the guest kernel then hangs silently (nested paravirtual KVM),
 * so otherwise the VM is killed, the verdict remembered, and the VM started again under TCG.
 */
public final class AcceleratorSelector {
    /** Under working KVM the guest kernel reaches init in well under a second. */
    public static final Duration DEFAULT_PROBE_WINDOW = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 20;

    private final KvmVerdict verdict;
    private final BooleanSupplier kvmOpenable;
    private final Duration probeWindow;
    private final Predicate<String> guestRuns;

    /** A selector that trusts KVM once the console shows {@link GuestSigns#guestKernelRuns}. */
    public AcceleratorSelector(KvmVerdict verdict, BooleanSupplier kvmOpenable, Duration probeWindow) {
        this(verdict, kvmOpenable, probeWindow, GuestSigns::guestKernelRuns);
    }

    /**
     * A selector that trusts KVM once {@code guestRuns} holds for the console text so far.
     *
     * @param guestRuns tells from the console text so far whether the guest itself runs
     */
    public AcceleratorSelector(KvmVerdict verdict, BooleanSupplier kvmOpenable, Duration probeWindow,
                               Predicate<String> guestRuns) {
        this.verdict = verdict;
        this.kvmOpenable = kvmOpenable;
        this.probeWindow = probeWindow;
        this.guestRuns = guestRuns;
    }

    /** A running VM, the accelerator it runs with, and why that one. */
    public record Selected<V extends LaunchedVm>(V vm, Accel accel, String reason) {
    }

    public <V extends LaunchedVm> Selected<V> start(Accelerator requested, VmLauncher<V> launcher)
            throws HypervisorException, InterruptedException {
        if (requested != Accelerator.AUTO) {
            Accel accel = requested == Accelerator.KVM ? Accel.KVM : Accel.TCG;
            return new Selected<>(launcher.launch(accel), accel, "configured");
        }
        if (!kvmOpenable.getAsBoolean()) {
            return new Selected<>(launcher.launch(Accel.TCG), Accel.TCG, "/dev/kvm cannot be opened");
        }
        Optional<String> known = verdict.knownBroken();
        if (known.isPresent()) {
            return new Selected<>(launcher.launch(Accel.TCG), Accel.TCG,
                    "KVM found unusable earlier on this boot (" + verdict.file() + "): " + known.get());
        }
        Probe<V> probe = probeKvm(launcher);
        if (probe.failure() == null) {
            return new Selected<>(probe.vm(), Accel.KVM, "the guest runs under KVM");
        }
        verdict.recordBroken(probe.failure());
        return new Selected<>(launcher.launch(Accel.TCG), Accel.TCG,
                "KVM does not give a working guest: " + probe.failure());
    }

    /** Either a VM that works under KVM, or why KVM does not work (and the VM is gone). */
    private record Probe<V>(V vm, String failure) {
    }

    private <V extends LaunchedVm> Probe<V> probeKvm(VmLauncher<V> launcher) throws InterruptedException {
        V vm;
        try {
            vm = launcher.launch(Accel.KVM);
        } catch (HypervisorException e) {
            return new Probe<>(null, e.getMessage());
        }
        try {
            if (guestRuns(vm)) {
                return new Probe<>(vm, null);
            }
        } catch (InterruptedException e) {
            vm.kill();
            throw e;
        }
        if (vm.isAlive()) {
            vm.kill();
            return new Probe<>(null, "the guest kernel did not start within " + probeWindow.toMillis()
                    + " ms (its console shows " + GuestSigns.lastWords(vm.console()) + ")");
        }
        vm.kill();
        String said = vm.qemuOutputTail();
        return new Probe<>(null, "QEMU exited during the guest's boot"
                + (said.isBlank() ? "" : "; QEMU said: " + said));
    }

    /**
     * Waits for the guest's signs of life while QEMU lives, up to the probe window. They count even when
     * QEMU has exited since: a guest that printed and powered off at once did run.
     */
    private boolean guestRuns(LaunchedVm vm) throws InterruptedException {
        long deadline = System.nanoTime() + probeWindow.toNanos();
        while (true) {
            if (guestRuns.test(vm.console())) {
                return true;
            }
            if (!vm.isAlive()) {
                return guestRuns.test(vm.console());
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
