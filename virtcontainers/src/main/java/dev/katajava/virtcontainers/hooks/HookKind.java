package dev.katajava.virtcontainers.hooks;

/** The OCI runtime spec's hook lists, by their config.json names, and where this runtime runs each. */
public enum HookKind {
    /** Deprecated by the spec but still honoured, as runc does; runs with createRuntime, before it. */
    PRESTART("prestart", true),
    CREATE_RUNTIME("createRuntime", true),
    CREATE_CONTAINER("createContainer", false),
    START_CONTAINER("startContainer", false),
    POSTSTART("poststart", true),
    POSTSTOP("poststop", true);

    private final String specName;
    private final boolean onHost;

    HookKind(String specName, boolean onHost) {
        this.specName = specName;
        this.onHost = onHost;
    }

    public String specName() {
        return specName;
    }

    /** Host hooks run in the runtime's namespaces; the others in the container's, inside the guest. */
    public boolean onHost() {
        return onHost;
    }
}
