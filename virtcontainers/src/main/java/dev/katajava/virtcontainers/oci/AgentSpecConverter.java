package dev.katajava.virtcontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.katajava.protocols.agent.Box;
import dev.katajava.protocols.agent.Hook;
import dev.katajava.protocols.agent.Hooks;
import dev.katajava.protocols.agent.Linux;
import dev.katajava.protocols.agent.LinuxCapabilities;
import dev.katajava.protocols.agent.LinuxDevice;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Mount;
import dev.katajava.protocols.agent.POSIXRlimit;
import dev.katajava.protocols.agent.Process;
import dev.katajava.protocols.agent.Root;
import dev.katajava.protocols.agent.Spec;
import dev.katajava.protocols.agent.User;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns an OCI config.json into the Spec message Kata's agent takes, applying what a VM runtime must
 * change on the way (as Kata's constrainGRPCSpec does): the root path becomes the guest path of the shared
 * rootfs; of the hooks only createContainer and startContainer go along, which run in the container's
 * namespaces and so in the guest (the others run on the host); network and cgroup namespaces belong to the
 * VM and are removed; namespace paths name host namespaces and are emptied; host-level resource settings are
 * cleared. Device nodes are passed on for the agent to create from the guest's own devices, except when
 * the device rules allow every device (a privileged container): the spec then lists the host's whole /dev,
 * which means nothing in the VM, and they are dropped, as Kata's privileged_without_host_devices drops
 * them. The seccomp profile is carried over for the agent to enforce, or dropped when the
 * configuration says so (disable_guest_seccomp).
 */
public final class AgentSpecConverter {
    private static final Set<String> VM_OWNED_NAMESPACES = Set.of("network", "cgroup");

    private AgentSpecConverter() {
    }

    public static Spec convert(JsonNode oci, String guestRootPath) throws OciSpecException {
        return convert(oci, guestRootPath, true);
    }

    public static Spec convert(JsonNode oci, String guestRootPath, boolean guestSeccomp) throws OciSpecException {
        Spec.Builder spec = Spec.newBuilder()
                .setVersion(oci.path("ociVersion").asText(""))
                .setHostname(oci.path("hostname").asText(""));
        JsonNode process = oci.path("process");
        if (!process.isObject()) {
            throw new OciSpecException("config.json: process is missing");
        }
        spec.setProcess(process(process));
        spec.setRoot(Root.newBuilder()
                .setPath(guestRootPath)
                .setReadonly(oci.path("root").path("readonly").asBoolean(false)));
        for (JsonNode m : oci.path("mounts")) {
            spec.addMounts(mount(m));
        }
        oci.path("annotations").properties().forEach(e -> spec.putAnnotations(e.getKey(), e.getValue().asText()));
        Hooks guestHooks = guestHooks(oci.path("hooks"));
        if (guestHooks.getCreateContainerCount() + guestHooks.getStartContainerCount() > 0) {
            spec.setHooks(guestHooks);
        }
        if (oci.has("linux")) {
            spec.setLinux(linux(oci.get("linux"), guestSeccomp));
        }
        return spec.build();
    }

    /** The hooks that run in the container's namespaces; the shim checked every entry when it read the spec. */
    private static Hooks guestHooks(JsonNode hooks) {
        Hooks.Builder b = Hooks.newBuilder();
        hooks.path("createContainer").forEach(h -> b.addCreateContainer(hook(h)));
        hooks.path("startContainer").forEach(h -> b.addStartContainer(hook(h)));
        return b.build();
    }

    private static Hook hook(JsonNode h) {
        Hook.Builder b = Hook.newBuilder().setPath(h.path("path").asText()).setTimeout(h.path("timeout").asLong(0));
        h.path("args").forEach(a -> b.addArgs(a.asText()));
        h.path("env").forEach(e -> b.addEnv(e.asText()));
        return b.build();
    }

    /** Converts an OCI {@code process} object (the JSON ctr sends with Exec, too). */
    public static Process process(JsonNode p) throws OciSpecException {
        JsonNode args = p.path("args");
        if (!args.isArray() || args.isEmpty()) {
            throw new OciSpecException("config.json: process.args must name the program to run");
        }
        Process.Builder b = Process.newBuilder()
                .setTerminal(p.path("terminal").asBoolean(false))
                .setCwd(p.path("cwd").asText("/"))
                .setNoNewPrivileges(p.path("noNewPrivileges").asBoolean(false))
                .setApparmorProfile(p.path("apparmorProfile").asText(""))
                .setOOMScoreAdj(p.path("oomScoreAdj").asLong(0))
                .setSelinuxLabel(p.path("selinuxLabel").asText(""));
        strings(args, b::addArgs);
        strings(p.path("env"), b::addEnv);
        if (!b.getCwd().startsWith("/")) {
            throw new OciSpecException("config.json: process.cwd must be absolute, got \"" + b.getCwd() + "\"");
        }
        JsonNode size = p.path("consoleSize");
        if (size.isObject()) {
            b.setConsoleSize(Box.newBuilder().setHeight(size.path("height").asInt()).setWidth(size.path("width").asInt()));
        }
        JsonNode user = p.path("user");
        User.Builder u = User.newBuilder()
                .setUID(user.path("uid").asInt(0))
                .setGID(user.path("gid").asInt(0))
                .setUsername(user.path("username").asText(""));
        for (JsonNode g : user.path("additionalGids")) {
            u.addAdditionalGids(g.asInt());
        }
        b.setUser(u);
        JsonNode caps = p.path("capabilities");
        if (caps.isObject()) {
            LinuxCapabilities.Builder c = LinuxCapabilities.newBuilder();
            strings(caps.path("bounding"), c::addBounding);
            strings(caps.path("effective"), c::addEffective);
            strings(caps.path("inheritable"), c::addInheritable);
            strings(caps.path("permitted"), c::addPermitted);
            strings(caps.path("ambient"), c::addAmbient);
            b.setCapabilities(c);
        }
        for (JsonNode r : p.path("rlimits")) {
            b.addRlimits(POSIXRlimit.newBuilder()
                    .setType(r.path("type").asText())
                    .setHard(r.path("hard").asLong())
                    .setSoft(r.path("soft").asLong()));
        }
        return b.build();
    }

    private static Mount mount(JsonNode m) throws OciSpecException {
        String destination = m.path("destination").asText("");
        if (!destination.startsWith("/")) {
            throw new OciSpecException("config.json: mount destination must be absolute, got \"" + destination + "\"");
        }
        Mount.Builder b = Mount.newBuilder()
                .setDestination(destination)
                .setSource(m.path("source").asText(""))
                .setType(m.path("type").asText(""));
        strings(m.path("options"), b::addOptions);
        return b.build();
    }

    private static Linux linux(JsonNode l, boolean guestSeccomp) throws OciSpecException {
        Linux.Builder b = Linux.newBuilder()
                .setCgroupsPath(l.path("cgroupsPath").asText(""))
                .setRootfsPropagation(l.path("rootfsPropagation").asText(""))
                .setMountLabel(l.path("mountLabel").asText(""));
        l.path("sysctl").properties().forEach(e -> b.putSysctl(e.getKey(), e.getValue().asText()));
        for (JsonNode ns : l.path("namespaces")) {
            String type = ns.path("type").asText();
            if (!VM_OWNED_NAMESPACES.contains(type)) {
                b.addNamespaces(LinuxNamespace.newBuilder().setType(type));
            }
        }
        boolean privileged = ResourcesConverter.allowsAllDevices(l.path("resources"));
        for (JsonNode d : privileged ? MissingNode.getInstance() : l.path("devices")) {
            b.addDevices(LinuxDevice.newBuilder()
                    .setPath(d.path("path").asText())
                    .setType(d.path("type").asText())
                    .setMajor(d.path("major").asLong())
                    .setMinor(d.path("minor").asLong())
                    .setFileMode(d.path("fileMode").asInt(0666))
                    .setUID(d.path("uid").asInt(0))
                    .setGID(d.path("gid").asInt(0)));
        }
        strings(l.path("maskedPaths"), b::addMaskedPaths);
        strings(l.path("readonlyPaths"), b::addReadonlyPaths);
        JsonNode resources = l.path("resources");
        if (resources.isObject()) {
            b.setResources(ResourcesConverter.forGuest(resources));
        }
        JsonNode seccomp = l.path("seccomp");
        if (guestSeccomp && seccomp.isObject()) {
            b.setSeccomp(SeccompConverter.convert(seccomp));
        }
        return b.build();
    }

    static void strings(JsonNode array, Consumer<String> sink) {
        for (JsonNode s : array) {
            sink.accept(s.asText());
        }
    }
}
