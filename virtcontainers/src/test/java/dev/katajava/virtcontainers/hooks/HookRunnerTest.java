package dev.katajava.virtcontainers.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HookRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path script(String name, String body) throws Exception {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    private HookState state() {
        return new HookState("1.0.2", "c1", HookState.CREATING, 4242, dir, Map.of("a", "b"));
    }

    private static Hook hook(String name, Path path, List<String> args, List<String> env, Duration timeout) {
        return new Hook(name, path, args.isEmpty() ? List.of(path.toString()) : args, env, Optional.ofNullable(timeout));
    }

    @Test
    void eachHookReadsTheContainersStateOnStdinAndRunsInTheBundle() throws Exception {
        Path h = script("h", "cat > \"$OUT\"; pwd > \"$OUT.cwd\"");
        Path out = dir.resolve("state.json");
        new HookRunner(dir).run(List.of(hook("prestart[0]", h, List.of(), List.of("OUT=" + out), null)), state());

        JsonNode s = JSON.readTree(Files.readString(out));
        assertThat(s.path("ociVersion").asText()).isEqualTo("1.0.2");
        assertThat(s.path("id").asText()).isEqualTo("c1");
        assertThat(s.path("status").asText()).isEqualTo("creating");
        assertThat(s.path("pid").asLong()).isEqualTo(4242);
        assertThat(s.path("bundle").asText()).isEqualTo(dir.toString());
        assertThat(s.path("annotations").path("a").asText()).isEqualTo("b");
        assertThat(Files.readString(dir.resolve("state.json.cwd")).strip()).isEqualTo(dir.toRealPath().toString());
    }

    @Test
    void hooksRunInOrderWithExactlyTheirArgsAndEnvironment() throws Exception {
        Path log = dir.resolve("log");
        Path h = script("h", "echo \"$1 $2 env=$(env | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' | sort | tr '\\n' ' ')\" >> " + log);
        new HookRunner(dir).run(List.of(
                hook("createRuntime[0]", h, List.of(h.toString(), "a b", "c"), List.of("X=1"), null),
                hook("createRuntime[1]", h, List.of(), List.of("Y=2", "Z=with=equals"), null)), state());

        assertThat(Files.readAllLines(log)).containsExactly("a b c env=X=1 ", "  env=Y=2 Z=with=equals ");
    }

    @Test
    void argvZeroIsTheSpecsEvenWhenItIsNotThePath() throws Exception {
        // busybox picks its applet by argv[0]: run as "touch" it creates the file, as "busybox" it would fail.
        Path touched = dir.resolve("touched");
        new HookRunner(dir).run(List.of(hook("prestart[0]", Path.of("/bin/busybox"),
                List.of("touch", touched.toString()), List.of(), null)), state());
        assertThat(touched).exists();
    }

    @Test
    void aFailingHookStopsTheListAndIsNamedWithItsOutput() throws Exception {
        Path bad = script("bad", "echo 'cannot find the GPU' >&2; exit 3");
        Path never = dir.resolve("never-ran");
        Path after = script("after", "touch " + never);
        HookRunner runner = new HookRunner(dir);

        assertThatThrownBy(() -> runner.run(List.of(hook("prestart[0]", bad, List.of(), List.of(), null),
                hook("prestart[1]", after, List.of(), List.of(), null)), state()))
                .isInstanceOf(HookException.class)
                .hasMessageContaining("prestart[0] (" + bad + ")")
                .hasMessageContaining("exited with status 3")
                .hasMessageContaining("cannot find the GPU");
        assertThat(never).doesNotExist();
    }

    @Test
    void aHookThatOutlivesItsTimeoutIsKilledWithItsChildren() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path slow = script("slow", "sleep 600 & echo $! > " + pidFile + "; echo started; wait");
        long start = System.nanoTime();

        assertThatThrownBy(() -> new HookRunner(dir).run(List.of(hook("poststart[0]", slow, List.of(), List.of(),
                Duration.ofSeconds(1))), state()))
                .isInstanceOf(HookException.class)
                .hasMessageContaining("poststart[0]").hasMessageContaining("timed out after 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        long child = Long.parseLong(Files.readString(pidFile).strip());
        for (int i = 0; i < 50 && running(child); i++) {
            Thread.sleep(100);
        }
        assertThat(running(child)).as("the hook's child").isFalse();
    }

    /** Alive and not a zombie: a killed child waits to be reaped by whoever inherited it. */
    private static boolean running(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String s = Files.readString(stat);
        char state = s.charAt(s.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    @Test
    void aMissingProgramIsNamed() {
        Path missing = dir.resolve("no-such-hook");
        assertThatThrownBy(() -> new HookRunner(dir).run(List.of(hook("createRuntime[0]", missing, List.of(), List.of(),
                null)), state())).isInstanceOf(HookException.class).hasMessageContaining(missing.toString())
                .hasMessageContaining("cannot be run");
    }

    @Test
    void poststopFailuresAreLoggedAndTheRestStillRun() throws Exception {
        Path ran = dir.resolve("second-ran");
        new HookRunner(dir).runLoggingFailures(List.of(
                hook("poststop[0]", script("bad", "exit 1"), List.of(), List.of(), null),
                hook("poststop[1]", script("good", "touch " + ran), List.of(), List.of(), null)),
                state().with(HookState.STOPPED));
        assertThat(ran).exists();
    }
}
