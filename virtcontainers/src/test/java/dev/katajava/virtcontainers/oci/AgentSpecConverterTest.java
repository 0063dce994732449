package dev.katajava.virtcontainers.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.katajava.protocols.agent.LinuxNamespace;
import dev.katajava.protocols.agent.Spec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AgentSpecConverterTest {
    private static final String CTR_SPEC = """
            {"ociVersion":"1.0.2-dev",
             "process":{"user":{"uid":1000,"gid":100,"additionalGids":[10]},"args":["sh","-c","echo hi"],
               "env":["PATH=/bin"],"cwd":"/work","terminal":false,"noNewPrivileges":true,
               "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
               "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]},
             "root":{"path":"rootfs","readonly":true},
             "hostname":"c1",
             "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]}],
             "hooks":{"prestart":[{"path":"/bin/true"}]},
             "annotations":{"a":"b"},
             "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/x"},
                                    {"type":"mount"},{"type":"cgroup"},{"type":"ipc","path":"/proc/1/ns/ipc"}],
                      "resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":268435456},
                                   "cpu":{"quota":50000,"period":100000,"cpus":"0-1"},"pids":{"limit":10}},
                      "cgroupsPath":"/default/c1","maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}
            """;

    private static JsonNode parse(String json) throws OciSpecException {
        return OciSpecReader.parse("config.json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rewritesTheRootToTheGuestPathAndKeepsProcessSettings() throws Exception {
        Spec spec = AgentSpecConverter.convert(parse(CTR_SPEC), "/run/kata-containers/shared/containers/c1/rootfs");
        assertThat(spec.getRoot().getPath()).isEqualTo("/run/kata-containers/shared/containers/c1/rootfs");
        assertThat(spec.getRoot().getReadonly()).isTrue();
        assertThat(spec.getProcess().getArgsList()).containsExactly("sh", "-c", "echo hi");
        assertThat(spec.getProcess().getCwd()).isEqualTo("/work");
        assertThat(spec.getProcess().getUser().getUID()).isEqualTo(1000);
        assertThat(spec.getProcess().getUser().getAdditionalGidsList()).containsExactly(10);
        assertThat(spec.getProcess().getCapabilities().getBoundingList()).containsExactly("CAP_KILL");
        assertThat(spec.getProcess().getRlimits(0).getSoft()).isEqualTo(1024);
        assertThat(spec.getHostname()).isEqualTo("c1");
        assertThat(spec.getMounts(0).getDestination()).isEqualTo("/proc");
        assertThat(spec.getAnnotationsMap()).containsEntry("a", "b");
        assertThat(spec.getLinux().getMaskedPathsList()).containsExactly("/proc/kcore");
    }

    @Test
    void onlyTheHooksThatRunInTheContainerGoToTheGuest() throws Exception {
        Spec spec = AgentSpecConverter.convert(parse(CTR_SPEC.replace("""
                "hooks":{"prestart":[{"path":"/bin/true"}]}""", """
                "hooks":{"prestart":[{"path":"/bin/true"}],"poststop":[{"path":"/bin/p"}],
                         "createContainer":[{"path":"/bin/cc","args":["cc","-x"],"env":["A=1"],"timeout":3}],
                         "startContainer":[{"path":"/bin/sc"}]}""")), "/r");
        assertThat(spec.getHooks().getPrestartList()).isEmpty();
        assertThat(spec.getHooks().getPoststopList()).isEmpty();
        assertThat(spec.getHooks().getCreateContainer(0).getPath()).isEqualTo("/bin/cc");
        assertThat(spec.getHooks().getCreateContainer(0).getArgsList()).containsExactly("cc", "-x");
        assertThat(spec.getHooks().getCreateContainer(0).getEnvList()).containsExactly("A=1");
        assertThat(spec.getHooks().getCreateContainer(0).getTimeout()).isEqualTo(3);
        assertThat(spec.getHooks().getStartContainerList()).extracting(h -> h.getPath()).containsExactly("/bin/sc");
    }

    @Test
    void dropsWhatBelongsToTheHostOrTheVm() throws Exception {
        Spec spec = AgentSpecConverter.convert(parse(CTR_SPEC), "/r");
        assertThat(spec.hasHooks()).isFalse();
        assertThat(spec.getLinux().getNamespacesList()).extracting(LinuxNamespace::getType)
                .containsExactly("pid", "mount", "ipc");
        assertThat(spec.getLinux().getNamespacesList()).allSatisfy(ns -> assertThat(ns.getPath()).isEmpty());
        assertThat(spec.getLinux().getResources().getPids().getLimit()).isEqualTo(10);
        assertThat(spec.getLinux().getResources().getCPU().getCpus()).isEmpty();
        assertThat(spec.getLinux().getResources().getCPU().getQuota()).isEqualTo(50000);
        assertThat(spec.getLinux().getResources().getMemory().getLimit()).isEqualTo(268435456L);
    }

    private static final String SECCOMP_SPEC = """
            {"process":{"args":["true"]},"linux":{"seccomp":{
              "defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
              "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"flags":["SECCOMP_FILTER_FLAG_LOG"],
              "syscalls":[
                {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                {"names":["personality"],"action":"SCMP_ACT_ALLOW",
                 "args":[{"index":0,"value":18446744073709551615,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},
                {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}}}
            """;

    @Test
    void carriesDeviceRulesWithLeftOutNumbersAsWildcards() throws Exception {
        Spec spec = AgentSpecConverter.convert(parse(CTR_SPEC), "/r");

        assertThat(spec.getLinux().getResources().getDevicesList()).singleElement().satisfies(d -> {
            assertThat(d.getAllow()).isFalse();
            assertThat(d.getType()).isEmpty();
            assertThat(d.getMajor()).isEqualTo(-1);
            assertThat(d.getMinor()).isEqualTo(-1);
            assertThat(d.getAccess()).isEqualTo("rwm");
        });
    }

    @Test
    void carriesDeviceNodesForTheGuestToCreate() throws Exception {
        Spec spec = AgentSpecConverter.convert(parse(CTR_SPEC.replace("\"cgroupsPath\"",
                "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":384}],"
                        + "\"cgroupsPath\"")), "/r");

        assertThat(spec.getLinux().getDevicesList()).singleElement().satisfies(d -> {
            assertThat(d.getPath()).isEqualTo("/dev/fuse");
            assertThat(d.getMajor()).isEqualTo(10);
            assertThat(d.getMinor()).isEqualTo(229);
            assertThat(d.getFileMode()).isEqualTo(0600);
        });
    }

    @Test
    void aPrivilegedContainerGetsNoHostDeviceNodes() throws Exception {
        String privileged = CTR_SPEC.replace("\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]",
                "\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]").replace("\"cgroupsPath\"",
                "\"devices\":[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}],\"cgroupsPath\"");
        Spec spec = AgentSpecConverter.convert(parse(privileged), "/r");

        assertThat(spec.getLinux().getDevicesList()).isEmpty();
        assertThat(spec.getLinux().getResources().getDevices(0).getAllow()).isTrue();
    }

    @Test
    void onlyRulesThatEndUpAllowingEveryDeviceCountAsPrivileged() throws Exception {
        assertThat(ResourcesConverter.allowsAllDevices(parse("{\"devices\":[{\"allow\":true,\"type\":\"a\",\"access\":\"rwm\"}]}"))).isTrue();
        assertThat(ResourcesConverter.allowsAllDevices(parse("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                + "{\"allow\":false,\"type\":\"c\",\"major\":4,\"access\":\"rw\"}]}"))).isFalse();
        assertThat(ResourcesConverter.allowsAllDevices(parse("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                + "{\"allow\":false,\"access\":\"rwm\"}]}"))).isFalse();
        assertThat(ResourcesConverter.allowsAllDevices(parse("{}"))).isFalse();
    }

    @Test
    void carriesTheSeccompProfileForTheGuestToEnforce() throws Exception {
        var seccomp = AgentSpecConverter.convert(parse(SECCOMP_SPEC), "/r").getLinux().getSeccomp();

        assertThat(seccomp.getDefaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(seccomp.getArchitecturesList()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(seccomp.getFlagsList()).containsExactly("SECCOMP_FILTER_FLAG_LOG");
        assertThat(seccomp.getSyscalls(0).getNamesList()).containsExactly("read", "write");
        assertThat(seccomp.getSyscalls(0).hasErrnoret()).isFalse();
        assertThat(seccomp.getSyscalls(1).getArgs(0).getValue()).isEqualTo(-1L);
        assertThat(seccomp.getSyscalls(1).getArgs(0).getOp()).isEqualTo("SCMP_CMP_EQ");
        assertThat(seccomp.getSyscalls(2).getErrnoret()).isEqualTo(38);
    }

    @Test
    void dropsTheSeccompProfileWhenGuestSeccompIsDisabled() throws Exception {
        assertThat(AgentSpecConverter.convert(parse(SECCOMP_SPEC), "/r", false).getLinux().hasSeccomp()).isFalse();
    }

    @Test
    void aSeccompProfileWithoutDefaultActionIsAClearError() {
        assertThatThrownBy(() -> AgentSpecConverter.convert(
                parse("{\"process\":{\"args\":[\"true\"]},\"linux\":{\"seccomp\":{\"syscalls\":[]}}}"), "/r"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("seccomp.defaultAction");
    }

    @Test
    void missingArgsIsAClearError() {
        assertThatThrownBy(() -> AgentSpecConverter.convert(parse("{\"process\":{\"args\":[]}}"), "/r"))
                .isInstanceOf(OciSpecException.class).hasMessageContaining("process.args");
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        assertThatThrownBy(() -> parse("{\n \"process\": [}"))
                .isInstanceOf(OciSpecException.class).hasMessageStartingWith("config.json:2:");
    }

    @Test
    void podAnnotationsDecideWhichVmAContainerJoins() throws Exception {
        assertThat(ContainerType.of("c1", parse("{}")).kind()).isEqualTo(ContainerType.Kind.SINGLE_CONTAINER);
        ContainerType sandbox = ContainerType.of("p1", parse(
                "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\",\"io.kubernetes.cri.sandbox-id\":\"p1\"}}"));
        assertThat(sandbox).isEqualTo(new ContainerType(ContainerType.Kind.POD_SANDBOX, "p1"));
        ContainerType member = ContainerType.of("c2", parse(
                "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\",\"io.kubernetes.cri-o.SandboxID\":\"p1\"}}"));
        assertThat(member).isEqualTo(new ContainerType(ContainerType.Kind.POD_CONTAINER, "p1"));
        assertThatThrownBy(() -> ContainerType.of("c3", parse(
                "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"weird\"}}")))
                .hasMessageContaining("unknown value \"weird\"");
        assertThatThrownBy(() -> ContainerType.of("c3", parse(
                "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.sandbox-id\":\"../x\"}}")))
                .hasMessageContaining("invalid sandbox id");
    }

    @Test
    void hostileIdsAreRejected() {
        for (String bad : new String[] {"", "../etc", "a/b", "-x", "a\nb", "x".repeat(200)}) {
            assertThatThrownBy(() -> Identifiers.requireValid("container id", bad))
                    .isInstanceOf(OciSpecException.class).hasMessageContaining("invalid container id");
        }
    }
}
