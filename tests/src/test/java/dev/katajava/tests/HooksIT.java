package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.CustomSpec;
import dev.katajava.tests.support.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI hooks in a bundle, driven through containerd and the shim (ctr run --config with containerd's own
 * default spec plus hooks), under runc and under our runtime: which run, when, with what state, and what
 * the container sees of them.
 */
class HooksIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * A host hook that logs its kind and the state it read, and at create leaves a file in the root
     * filesystem ($3), as hooks that prepare a container do.
     */
    private Path recorder() throws Exception {
        Path s = dir.resolve("record-hook");
        Files.writeString(s, """
                #!/bin/sh
                state=$(cat)
                field() { printf '%s' "$state" | sed -n "s/.*\\"$1\\":\\"\\{0,1\\}\\([^\\",}]*\\).*/\\1/p"; }
                pid=$(field pid)
                echo "$1 status=$(field status) id=$(field id) pid=${pid:+set} annotation=$(field hook-test) env=$HOOK_ENV" >> "$2"
                case "$1" in prestart|createRuntime) echo "written by the $1 hook" > "$3/from-$1" ;; esac
                """);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    private Path script(String name, String body) throws Exception {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    /** argv for the recorder: its name, the hook kind, then {@code rest}. */
    private static List<String> with(String kind, List<String> rest) {
        List<String> argv = new ArrayList<>(List.of("record", kind));
        argv.addAll(rest);
        return argv;
    }

    private static ObjectNode hook(Path path, List<String> args, Integer timeout) {
        ObjectNode h = JSON.createObjectNode();
        h.put("path", path.toString());
        ArrayNode a = h.putArray("args");
        args.forEach(a::add);
        h.putArray("env").add("HOOK_ENV=from-the-spec").add("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        if (timeout != null) {
            h.put("timeout", timeout);
        }
        return h;
    }

    private Path rootfs(String name) throws Exception {
        return CustomSpec.rootfs(dir, name);
    }

    /** containerd's default spec on {@code root} with {@code script} as the process and {@code hooks}. */
    private Path spec(String name, Path root, String script, Map<String, List<ObjectNode>> hooks) throws Exception {
        return CustomSpec.write(containerd, dir, name, root, script, spec -> {
            spec.putObject("annotations").put("hook-test", "seen");
            ObjectNode h = spec.putObject("hooks");
            hooks.forEach((kind, list) -> list.forEach(h.withArray(kind)::add));
        });
    }

    private static Commands.Result run(String runtime, Path spec, String id) throws Exception {
        return ctr("run", "--rm", "--runtime", runtime, "--config", spec.toString(), id);
    }

    @Test
    void allFourHostHooksRunInOrderWithTheStateAndTheContainerSeesWhatCreateHooksLeftAsUnderRunc()
            throws Exception {
        Path recorder = recorder();
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String tag = runtime.equals(RUNC) ? "runc" : "kata";
            Path log = dir.resolve(tag + ".log");
            String id = "hooks-" + tag + "-" + ProcessHandle.current().pid();
            Path root = rootfs(tag);
            List<String> args = List.of(log.toString(), root.toString());
            Map<String, List<ObjectNode>> hooks = Map.of(
                    "prestart", List.of(hook(recorder, with("prestart", args), null)),
                    "createRuntime", List.of(hook(recorder, with("createRuntime", args), 30)),
                    "poststart", List.of(hook(recorder, with("poststart", args), null)),
                    "poststop", List.of(hook(recorder, with("poststop", args), null)));
            Path spec = spec(tag, root, "cat /from-prestart /from-createRuntime", hooks);

            Commands.Result r = run(runtime, spec, id);

            assertThat(r.exitCode()).as(tag + ": " + r.describe()).isZero();
            assertThat(r.stdout()).as(tag).isEqualTo("written by the prestart hook\nwritten by the createRuntime hook\n");
            assertThat(Files.readAllLines(log)).as(tag + ": poststop has run when Delete returned").containsExactly(
                    "prestart status=creating id=" + id + " pid=set annotation=seen env=from-the-spec",
                    "createRuntime status=creating id=" + id + " pid=set annotation=seen env=from-the-spec",
                    "poststart status=" + poststartStatus(runtime) + " id=" + id + " pid=set annotation=seen env=from-the-spec",
                    "poststop status=stopped id=" + id + " pid= annotation=seen env=from-the-spec");
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).as(tag).isEmpty();
        }
    }

    /**
     * The runtime spec has the container running when poststart hooks run, and so do we; runc 1.1 hands
     * them the state it had before starting the process, "created".
     */
    private static String poststartStatus(String runtime) {
        return runtime.equals(RUNC) ? "created" : "running";
    }

    @Test
    void aFailingPrestartHookFailsTheContainerByNameAndLeavesNoVm() throws Exception {
        Path bad = script("no-gpu", "echo 'no GPU on this host' >&2; exit 7");
        Path ran = dir.resolve("create-runtime-ran");
        Path after = script("after", "touch " + ran);
        String id = "hooks-fail-" + ProcessHandle.current().pid();
        Path spec = spec("fail", rootfs("fail"), "echo must-not-run", Map.of(
                "prestart", List.of(hook(bad, List.of("no-gpu"), null)),
                "createRuntime", List.of(hook(after, List.of("after"), null))));

        Commands.Result r = run(RUNTIME, spec, id);

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stdout()).doesNotContain("must-not-run");
        assertThat(r.stderr()).contains("prestart[0] (" + bad + ")").contains("exited with status 7")
                .contains("no GPU on this host");
        assertThat(ran).as("the list stops at the failing hook").doesNotExist();
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aFailingPoststartHookFailsStartAndTheProcessIsKilledAsUnderRunc() throws Exception {
        Path bad = script("bad-poststart", "echo 'audit log unreachable' >&2; exit 1");
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String tag = runtime.equals(RUNC) ? "runc" : "kata";
            String id = "hooks-poststart-" + tag + "-" + ProcessHandle.current().pid();
            Path spec = spec("poststart-" + tag, rootfs("poststart-" + tag), "sleep 600", Map.of(
                    "poststart", List.of(hook(bad, List.of("bad-poststart"), null))));

            Commands.Result r = run(runtime, spec, id);

            assertThat(r.exitCode()).as(tag + ": " + r.describe()).isNotZero();
            assertThat(r.elapsed()).as(tag + ": the process was killed, not waited for").isLessThan(Duration.ofMinutes(2));
            if (runtime.equals(RUNTIME)) {
                assertThat(r.stderr()).contains("poststart[0]").contains("audit log unreachable");
            }
            ctr("task", "delete", "--force", id);
            ctr("containers", "rm", id);
            assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).as(tag).isEmpty();
        }
    }

    private static ObjectNode shHook(String script) {
        return hook(Path.of("/bin/sh"), List.of("sh", "-c", script), 30);
    }

    @Test
    void createContainerAndStartContainerHooksRunInsideTheContainerBeforeItsProgram() throws Exception {
        String id = "hooks-guest-" + ProcessHandle.current().pid();
        Path spec = spec("guest", rootfs("guest"), "cat /cc-state; echo; cat /sc-state", Map.of(
                "createContainer", List.of(shHook("cat > /cc-state")),
                "startContainer", List.of(shHook("cat > /sc-state"))));

        Commands.Result r = run(RUNTIME, spec, id);

        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("\"id\":\"" + id + "\"").contains("\"status\":\"creating\"")
                .contains("\"status\":\"created\"").contains("\"annotations\":{\"hook-test\":\"seen\"}");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aContainerHookWhoseProgramIsNotInTheContainerFailsCreateClearly() throws Exception {
        String id = "hooks-missing-" + ProcessHandle.current().pid();
        Path spec = spec("missing", rootfs("missing"), "echo must-not-run", Map.of(
                "startContainer", List.of(hook(Path.of("/usr/bin/gpu-hook"), List.of(), null))));

        Commands.Result r = run(RUNTIME, spec, id);

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("startContainer[0] /usr/bin/gpu-hook: not found in the container");
        ctr("containers", "rm", id);
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void hooksInTheGuestHookPathRunForTheContainer() throws Exception {
        String id = "hooks-ghp-" + ProcessHandle.current().pid();
        Path root = rootfs("ghp");
        // The guest sees the container's rootfs under the share; hooks placed there stand in for an image's.
        String guestRoot = "/run/kata-containers/shared/containers/" + id + "/rootfs";
        Path prestart = Files.createDirectories(root.resolve("guest-hooks/prestart")).resolve("10-mark");
        Files.writeString(prestart, "#!/bin/sh\nread -r state\necho \"$1 saw $state\" > " + guestRoot + "/from-guest-hook\n");
        Files.setPosixFilePermissions(prestart, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = Files.writeString(dir.resolve("ghp.toml"), Files.readString(
                dev.katajava.tests.support.E2eEnvironment.CONFIG).replaceFirst("(?m)^\\[hypervisor.qemu\\]$",
                "[hypervisor.qemu]\nguest_hook_path = \"" + guestRoot + "/guest-hooks\""));
        Path spec = spec("ghp", root, "cat /from-guest-hook", Map.of());

        Commands.Result r = ctr("run", "--rm", "--runtime", RUNTIME, "--runtime-config-path", config.toString(),
                "--config", spec.toString(), id);

        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).startsWith("prestart saw {").contains("\"id\":\"" + id + "\"")
                .contains("\"status\":\"created\"");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(10))).isEmpty();
    }
}
