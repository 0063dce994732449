package dev.katajava.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katajava.tests.support.Commands;
import dev.katajava.tests.support.ContainerdTest;
import dev.katajava.tests.support.E2eEnvironment;
import dev.katajava.tests.support.Leaks;
import dev.katajava.tests.support.PodNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * VM templating end to end: {@code kata-runtime factory init} makes the template, {@code ctr run} sandboxes are
 * cloned from it (own random pool, the host's clock, timers that last, exec, a pod network), a configuration
 * that does not match and a broken template boot cold, {@code factory destroy} leaves running clones alone
 * and nothing behind. Container-visible behaviour is compared with runc.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TemplateIT extends ContainerdTest {
    private static final String RUNC = "io.containerd.runc.v2";
    private static final String PID = Long.toString(ProcessHandle.current().pid());
    private static final Path TEMPLATE = Path.of("/run/kata-e2e-template-" + PID);
    private static final String PROBE = "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo;"
            + " cat /proc/sys/kernel/random/boot_id; date +%s";
    private static Path dir;
    private static Path config;
    private static long templateMadeAt;

    @BeforeAll
    static void makeTemplate() throws Exception {
        dir = Files.createTempDirectory("kata-e2e-template");
        config = templatingConfig("template", Files.readString(E2eEnvironment.CONFIG));
        Commands.Result init = kataRuntime("factory", "init");
        assertThat(init.exitCode()).as(init.describe()).isZero();
        assertThat(init.stdout()).contains("template made at " + TEMPLATE)
                .as("the template ran its training container before it was saved")
                .containsPattern("training container run 2 times in [0-9]+ ms");
        templateMadeAt = System.currentTimeMillis();
        assertThat(mountedAt(TEMPLATE)).as("the template's tmpfs").isTrue();
    }

    @AfterAll
    static void removeTemplate() throws Exception {
        if (config != null) {
            kataRuntime("factory", "destroy");
        }
    }

    private static Path templatingConfig(String name, String base) throws Exception {
        String text = base.replaceFirst("(?m)^enable_template = .*$", "enable_template = true")
                .replaceFirst("(?m)^template_path = .*$", "template_path = \"" + TEMPLATE + "\"");
        return Files.writeString(dir.resolve(name + ".toml"), text);
    }

    private static Commands.Result kataRuntime(String... args) throws Exception {
        return kataRuntime(config, args);
    }

    private static Commands.Result kataRuntime(Path file, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(E2eEnvironment.PREFIX.resolve("bin/kata-runtime").toString(),
                "--config", file.toString()));
        command.addAll(List.of(args));
        return Commands.run(command, Map.of(), Duration.ofMinutes(3));
    }

    private static Commands.Result run(String runtime, Path file, String id, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
        if (file != null) {
            args.addAll(List.of("--runtime-config-path", file.toString()));
        }
        args.addAll(List.of(image, id));
        args.addAll(List.of(command));
        return ctr(args.toArray(String[]::new));
    }

    private static boolean mountedAt(Path path) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.split(" ", -1)[4].equals(path.toString()));
    }

    /** The shim's log lines about sandbox {@code id} that contain {@code text}. */
    private static List<String> logLines(String id, String text) throws Exception {
        return Files.readAllLines(containerd.log()).stream()
                .filter(l -> l.contains(id) && l.contains(text)).toList();
    }

    private record Probe(String random, String bootId, long date) {
        static Probe parse(String out) {
            Matcher m = Pattern.compile("(?m)^([0-9a-f]{32})\\n([0-9a-f-]{36})\\n([0-9]+)$").matcher(out);
            assertThat(m.find()).as("random, boot id and date in: " + out).isTrue();
            return new Probe(m.group(1), m.group(2), Long.parseLong(m.group(3)));
        }
    }

    @Test
    @Order(1)
    void factoryStatusShowsAUsableTemplate() throws Exception {
        Commands.Result status = kataRuntime("factory", "status");
        assertThat(status.exitCode()).as(status.describe()).isZero();
        assertThat(status.stdout()).contains("enable_template = true", "template_path = " + TEMPLATE, "usable: yes");
    }

    @Test
    @Order(2)
    void clonesHaveTheirOwnRandomPoolAndTheHostsClockAsRuncContainersDo() throws Exception {
        // The template's clock stopped when it was saved; the clones' must not show it.
        long sat = System.currentTimeMillis() - templateMadeAt;
        if (sat < 20_000) {
            Thread.sleep(20_000 - sat);
        }
        List<Probe> kata = new ArrayList<>();
        List<Probe> runc = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String runtime : List.of(RUNTIME, RUNC)) {
                String id = "e2e-tpl-probe-" + i + "-" + runtime.length() + "-" + PID;
                Commands.Result r = run(runtime, runtime.equals(RUNTIME) ? config : null, id, "sh", "-c", PROBE);
                long hostNow = System.currentTimeMillis() / 1000;
                assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
                Probe p = Probe.parse(r.stdout());
                assertThat(p.date()).as(runtime + ": container's clock against the host's").isBetween(hostNow - 10,
                        hostNow + 2);
                (runtime.equals(RUNTIME) ? kata : runc).add(p);
                if (runtime.equals(RUNTIME)) {
                    assertThat(logLines(id, "VM cloned from the template")).as("cloned: " + id).hasSize(1);
                    assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
                }
            }
        }
        assertThat(runc.get(0).random()).isNotEqualTo(runc.get(1).random());
        assertThat(kata.get(0).random()).as("random bytes of two clones").isNotEqualTo(kata.get(1).random());
        assertThat(kata.get(0).bootId()).as("boot ids of two clones").isNotEqualTo(kata.get(1).bootId());
    }

    @Test
    @Order(3)
    void aSleepInACloneLastsItsFullTimeAsUnderRunc() throws Exception {
        String script = "s=$(date +%s); sleep 30; echo slept=$(( $(date +%s) - s ))";
        List<CompletableFuture<Commands.Result>> runs = new ArrayList<>();
        for (String runtime : List.of(RUNTIME, RUNC)) {
            String id = "e2e-tpl-sleep-" + runtime.length() + "-" + PID;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return run(runtime, runtime.equals(RUNTIME) ? config : null, id, "sh", "-c", script);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }));
        }
        for (CompletableFuture<Commands.Result> f : runs) {
            Commands.Result r = f.join();
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).containsPattern("slept=(30|31|32)\\b");
            assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(4)
    void aPodNetworkWorksInACloneAsUnderRunc() throws Exception {
        String script = "echo mac=$(cat /sys/class/net/eth0/address);"
                + " ip -o addr show dev eth0 | grep -oE 'inet [0-9.]+/[0-9]+';"
                + " ping -c 1 -W 10 " + PodNetns.PEER_V4 + " >/dev/null && echo ping4-ok";
        for (String runtime : List.of(RUNC, RUNTIME)) {
            String id = "e2e-tpl-net-" + runtime.length() + "-" + PID;
            try (PodNetns net = PodNetns.create("tpl" + runtime.length())) {
                List<String> args = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
                if (runtime.equals(RUNTIME)) {
                    args.addAll(List.of("--runtime-config-path", config.toString()));
                }
                args.addAll(List.of("--with-ns", "network:" + net.podPath(), image, id, "sh", "-c", script));
                Commands.Result r = ctr(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(runtime + ": " + r.describe()).isZero();
                assertThat(r.stdout()).as(runtime).contains("inet " + PodNetns.POD_V4 + "/24", "ping4-ok");
                if (runtime.equals(RUNTIME)) {
                    assertThat(logLines(id, "VM cloned from the template")).as("cloned: " + id).hasSize(1);
                }
                assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).as(runtime).isEmpty();
                assertThat(net.leftovers()).as(runtime).isEmpty();
            }
        }
    }

    @Test
    @Order(5)
    void aConfigurationTheTemplateWasNotMadeForBootsColdSayingWhy() throws Exception {
        Path other = templatingConfig("other", Files.readString(config)
                .replaceFirst("(?m)^default_memory = .*$", "default_memory = 1024"));
        String id = "e2e-tpl-mismatch-" + PID;
        Commands.Result r = run(RUNTIME, other, id, "echo", "cold-ok");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("cold-ok");
        assertThat(logLines(id, "booting cold, not from the template")).singleElement().asString()
                .contains("size differs");
        assertThat(logLines(id, "VM cloned from the template")).isEmpty();
        assertThat(kataRuntime(other, "factory", "status").stdout()).contains("usable: no");
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }

    @Test
    @Order(6)
    void withTemplatingOffASandboxBootsAsBefore() throws Exception {
        String id = "e2e-tpl-off-" + PID;
        Commands.Result r = run(RUNTIME, E2eEnvironment.CONFIG, id, "echo", "off-ok");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("off-ok");
        // Messages only: a field may quote a template's path (the KVM verdict names the VM that made it).
        Pattern aboutTemplates = Pattern.compile("msg=\"[^\"]*template");
        assertThat(logLines(id, "msg=")).noneMatch(l -> aboutTemplates.matcher(l).find());
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }

    @Test
    @Order(7)
    void aCorruptTemplateStateMakesTheSandboxBootColdSayingWhy() throws Exception {
        Path state = TEMPLATE.resolve("state");
        byte[] good = Files.readAllBytes(state);
        String id = "e2e-tpl-corrupt-" + PID;
        try {
            Files.write(state, "not a migration stream".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Commands.Result r = run(RUNTIME, config, id, "echo", "corrupt-ok");
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).contains("corrupt-ok");
            assertThat(logLines(id, "booting cold, the template clone failed")).hasSize(1);
        } finally {
            Files.write(state, good);
        }
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
    }

    @Test
    @Order(8)
    void destroyingTheTemplateLeavesARunningCloneWorkingAndNothingBehind() throws Exception {
        String id = "e2e-tpl-destroy-" + PID;
        Commands.Result started = ctr("run", "-d", "--runtime", RUNTIME, "--runtime-config-path", config.toString(),
                image, id, "sleep", "300");
        assertThat(started.exitCode()).as(started.describe()).isZero();
        try {
            assertThat(logLines(id, "VM cloned from the template")).hasSize(1);
            Commands.Result before = ctr("task", "exec", "--exec-id", "e1", id, "echo", "exec-before");
            assertThat(before.stdout()).as(before.describe()).contains("exec-before");

            Commands.Result destroy = kataRuntime("factory", "destroy");
            assertThat(destroy.exitCode()).as(destroy.describe()).isZero();
            assertThat(TEMPLATE).doesNotExist();
            assertThat(mountedAt(TEMPLATE)).isFalse();

            Commands.Result after = ctr("task", "exec", "--exec-id", "e2", id, "sh", "-c",
                    "echo exec-after; head -c 4096 /dev/urandom | wc -c");
            assertThat(after.exitCode()).as(after.describe()).isZero();
            assertThat(after.stdout()).contains("exec-after", "4096");
            assertThat(ctr("task", "ls").stdout()).containsPattern(id + "\\s+\\d+\\s+RUNNING");
        } finally {
            removeTask(id);
        }
        assertThat(Leaks.awaitNone(id, containerd, Duration.ofSeconds(15))).isEmpty();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            assertThat(all.map(p -> p.info().commandLine().orElse(""))
                    .filter(c -> c.contains("qemu-system") && c.contains(TEMPLATE.toString()))).isEmpty();
        }
        assertThat(kataRuntime("factory", "status").stdout()).contains("template: none");
    }
}
