package dev.katajava.agent.container;

import dev.katajava.agent.devices.DeviceException;
import dev.katajava.agent.devices.SpecDevices;
import dev.katajava.agent.seccomp.SeccompCompiler;
import dev.katajava.agent.seccomp.SeccompException;
import dev.katajava.linux.MountOptions;
import dev.katajava.linux.Mounts;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Spec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The instructions for the native launcher ({@code nsexec}): records {@code KEY LEN\n<bytes>\n}, so any
 * byte may appear in an argument or environment value.
 */
final class LaunchConfig {
    private static final Set<String> SUPPORTED_NAMESPACES = Set.of("pid", "mount", "uts", "ipc");
    private static final Set<String> VM_NAMESPACES = Set.of("network", "cgroup");
    private static final Set<String> POD_SHARED_NAMESPACES = Set.of("ipc", "uts");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private LaunchConfig() {
    }

    /**
     * Builds the launch of a container's init from its spec; the init joins {@code cgroupDir} (a cgroup v2
     * group the caller made) before anything else.
     */
    static byte[] forContainer(String containerId, Spec spec, Path syncFifo, Path execFifo, boolean noPivot,
                               Path cgroupDir) throws ContainerException {
        return forContainer(containerId, spec, syncFifo, execFifo, noPivot, cgroupDir, 0);
    }

    /** As above; with {@code podSandboxInit} (not 0) the IPC and UTS namespaces asked for are that process's. */
    static byte[] forContainer(String containerId, Spec spec, Path syncFifo, Path execFifo, boolean noPivot,
                               Path cgroupDir, long podSandboxInit) throws ContainerException {
        LaunchConfig c = new LaunchConfig();
        for (var ns : spec.getLinux().getNamespacesList()) {
            String type = ns.getType();
            if (podSandboxInit > 0 && POD_SHARED_NAMESPACES.contains(type)) {
                c.put("nsjoin", type + " " + podSandboxInit);
            } else if (SUPPORTED_NAMESPACES.contains(type)) {
                c.put("ns", type);
            } else if (!VM_NAMESPACES.contains(type)) {
                throw ContainerException.invalid("namespace \"" + type + "\" is not supported in the guest");
            }
        }
        c.put("cgroup", cgroupDir.toString());
        boolean cgroupMount = spec.getMountsList().stream().anyMatch(m -> isCgroupMount(m.getType()));
        if (cgroupMount || spec.getLinux().getNamespacesList().stream().anyMatch(ns -> ns.getType().equals("cgroup"))) {
            c.put("cgroupns", "1");
        }
        c.put("rootfs", spec.getRoot().getPath());
        if (spec.getRoot().getReadonly()) {
            c.put("readonly", "1");
        }
        if (noPivot) {
            c.put("nopivot", "1");
        }
        if (!spec.getHostname().isEmpty()) {
            c.put("hostname", spec.getHostname());
        }
        for (Mount m : spec.getMountsList()) {
            c.mount(m);
        }
        String rootPropagation = spec.getLinux().getRootfsPropagation();
        if (!rootPropagation.isEmpty()) {
            long flags = MountOptions.parse(List.of(rootPropagation)).propagation();
            if (flags == 0) {
                throw ContainerException.invalid("linux.rootfsPropagation \"" + rootPropagation
                        + "\" is not one of shared, slave, private, unbindable (optionally with r)");
            }
            c.put("rootprop", Long.toString(flags));
        }
        try {
            for (String device : SpecDevices.records(spec.getLinux().getDevicesList())) {
                c.put("device", device);
            }
        } catch (DeviceException e) {
            throw ContainerException.invalid(e.getMessage());
        }
        for (var sysctl : spec.getLinux().getSysctlMap().entrySet()) {
            c.put("sysctl", sysctl.getKey() + "=" + sysctl.getValue());
        }
        for (String path : spec.getLinux().getMaskedPathsList()) {
            c.put("mask", path);
        }
        for (String path : spec.getLinux().getReadonlyPathsList()) {
            c.put("rdonly", path);
        }
        c.process(spec.getProcess());
        c.seccomp(spec.getLinux());
        c.hooks(containerId, spec);
        c.put("sync", syncFifo.toString());
        c.put("exec", execFifo.toString());
        return c.out.toByteArray();
    }

    /**
     * Builds the launch of an extra process inside the namespaces and root of the running {@code initPid};
     * the container's seccomp profile ({@code linux.seccomp}) applies to it as to the init.
     */
    static byte[] forExec(Process process, Linux linux, long initPid, Path syncFifo, Path execFifo)
            throws ContainerException {
        LaunchConfig c = new LaunchConfig();
        c.put("join", Long.toString(initPid));
        c.process(process);
        c.seccomp(linux);
        c.put("sync", syncFifo.toString());
        c.put("exec", execFifo.toString());
        return c.out.toByteArray();
    }

    private void process(Process p) throws ContainerException {
        if (p.getArgsCount() == 0) {
            throw ContainerException.invalid("process.args must name the program to run");
        }
        put("cwd", p.getCwd().isEmpty() ? "/" : p.getCwd());
        put("uid", Integer.toUnsignedString(p.getUser().getUID()));
        put("gid", Integer.toUnsignedString(p.getUser().getGID()));
        if (p.getUser().getAdditionalGidsCount() > 0) {
            put("gids", p.getUser().getAdditionalGidsList().stream().map(Integer::toUnsignedString)
                    .collect(Collectors.joining(",")));
        }
        if (p.getTerminal()) {
            put("console", "1");
        }
        if (p.hasCapabilities()) {
            var caps = p.getCapabilities();
            put("caps", String.join(" ", Long.toHexString(Capabilities.mask(caps.getBoundingList())),
                    Long.toHexString(Capabilities.mask(caps.getEffectiveList())),
                    Long.toHexString(Capabilities.mask(caps.getPermittedList())),
                    Long.toHexString(Capabilities.mask(caps.getInheritableList())),
                    Long.toHexString(Capabilities.mask(caps.getAmbientList()))));
        }
        if (p.getOOMScoreAdj() != 0) {
            put("oomscore", Long.toString(p.getOOMScoreAdj()));
        }
        if (p.getNoNewPrivileges()) {
            put("nonewprivs", "1");
        }
        for (POSIXRlimit r : p.getRlimitsList()) {
            put("rlimit", Rlimits.resource(r.getType()) + " " + Long.toUnsignedString(r.getSoft()) + " "
                    + Long.toUnsignedString(r.getHard()));
        }
        for (String arg : p.getArgsList()) {
            put("arg", arg);
        }
        for (String env : p.getEnvList()) {
            put("env", env);
        }
    }

    /**
     * A cgroup filesystem, whichever version the spec names: the guest has only cgroup v2, and such a mount
     * shows the container's own group (its cgroup namespace is rooted there), as runc shows it on a unified
     * host. So runc's cgroup v1 mount of a CRI or ctr spec works whatever the host runs.
     */
    static boolean isCgroupMount(String type) {
        return type.equals("cgroup") || type.equals("cgroup2");
    }

    private void mount(Mount m) throws ContainerException {
        List<String> options = m.getOptionsList();
        MountOptions parsed = MountOptions.parse(options);
        long flags = parsed.flags();
        String type = m.getType();
        String source = m.getSource();
        String data = parsed.data();
        if (type.equals("bind")) {
            flags |= Mounts.MS_BIND;
            type = "";
        } else if (isCgroupMount(type)) {
            // v1 data (controller names) means nothing to cgroup2, whose mount takes no such options.
            type = "cgroup2";
            source = "cgroup2";
            data = "";
        }
        for (String field : List.of(source, m.getDestination(), type, data)) {
            if (field.indexOf('\t') >= 0 || field.indexOf('\0') >= 0) {
                throw ContainerException.invalid("mount " + m.getDestination() + " has a tab or NUL in a field");
            }
        }
        if (!m.getDestination().startsWith("/")) {
            throw ContainerException.invalid("mount destination must be absolute: \"" + m.getDestination() + "\"");
        }
        put("mount", source + "\t" + m.getDestination() + "\t" + type + "\t" + flags + "\t" + data
                + "\t" + parsed.propagation());
    }

    private void seccomp(Linux linux) throws ContainerException {
        if (!linux.hasSeccomp()) {
            return;
        }
        try {
            SeccompCompiler.Filter filter = SeccompCompiler.compile(linux.getSeccomp());
            putBytes("seccomp", filter.program());
            put("seccompflags", Integer.toString(filter.flags()));
        } catch (SeccompException e) {
            throw ContainerException.invalid(e.getMessage());
        }
    }

    /** createContainer and startContainer hooks, which the launcher runs in the container (see {@link HookRecords}). */
    private void hooks(String containerId, Spec spec) throws ContainerException {
        var hooks = spec.getHooks();
        if (hooks.getCreateContainerCount() + hooks.getStartContainerCount() == 0) {
            return;
        }
        for (int i = 0; i < hooks.getCreateContainerCount(); i++) {
            putBytes("cchook", HookRecords.encode("createContainer[" + i + "]", hooks.getCreateContainer(i)));
        }
        for (int i = 0; i < hooks.getStartContainerCount(); i++) {
            putBytes("schook", HookRecords.encode("startContainer[" + i + "]", hooks.getStartContainer(i)));
        }
        put("hookstate", HookRecords.statePrefix(containerId, spec));
    }

    /** Appends one record; the launcher hands values to the kernel as C strings, so a NUL cannot be passed. */
    private void put(String key, String value) throws ContainerException {
        if (value.indexOf('\0') >= 0) {
            throw ContainerException.invalid(key + " \"" + value.replace("\0", "\\0") + "\" contains a NUL byte");
        }
        putBytes(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends one record of raw bytes (the launcher takes its length from the record, not from a NUL). */
    private void putBytes(String key, byte[] bytes) {
        out.writeBytes((key + " " + bytes.length + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        out.write('\n');
    }
}
