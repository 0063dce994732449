package dev.katajava.shim.monitor;

import dev.katajava.linux.ProcFields;
import dev.katajava.linux.PrometheusText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The shim's answer to {@code GET /metrics}: its own figures ({@code kata_shim_*}, from
 * {@code <proc>/self/status}) followed by the agent's text. When the agent cannot answer, the shim's
 * figures still go out, with a comment saying why the agent's are missing.
 */
public final class ShimMetrics implements Supplier<String> {
    private final Path proc;
    private final Callable<String> agent;

    public ShimMetrics(Path proc, Callable<String> agent) {
        this.proc = proc;
        this.agent = agent;
    }

    @Override
    public String get() {
        PrometheusText text = new PrometheusText();
        try {
            Map<String, Long> status = ProcFields.read(proc.resolve("self/status"));
            if (status.containsKey("VmRSS")) {
                text.gauge("kata_shim_rss_bytes", "Resident set size of the shim process", status.get("VmRSS"));
            }
            if (status.containsKey("Threads")) {
                text.gauge("kata_shim_threads", "Threads of the shim process", status.get("Threads"));
            }
        } catch (IOException e) {
            // The agent's figures are worth sending on their own.
        }
        return text + agentText();
    }

    private String agentText() {
        try {
            String t = agent.call();
            return t.isEmpty() || t.endsWith("\n") ? t : t + "\n";
        } catch (Exception e) {
            String why = String.valueOf(e.getMessage()).replace('\n', ' ');
            return "# agent metrics unavailable: " + why + "\n";
        }
    }
}
