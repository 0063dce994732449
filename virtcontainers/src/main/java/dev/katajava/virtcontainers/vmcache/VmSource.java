package dev.katajava.virtcontainers.vmcache;

/** Where the cache server gets its VMs from, and how it gets rid of those nobody took. */
public interface VmSource {
    /** Boots one VM, waits for its agent, pauses it and lets go of it; leaves nothing behind when it fails. */
    CachedVm boot() throws VmCacheException, InterruptedException;

    /** Kills a VM that was not handed out and removes its directories. */
    void discard(CachedVm vm);

    /** The fingerprint (rendered) of the configuration this source boots VMs from. */
    String fingerprint();
}
