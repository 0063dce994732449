package dev.katajava.agent.metrics;

import dev.katajava.linux.ProcFields;
import dev.katajava.linux.PrometheusText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Kata's agent answers GetMetrics with: the agent process ({@code kata_agent_*}, from
 * {@code <proc>/self/status}) and the guest's memory ({@code kata_guest_meminfo}, from
 * {@code <proc>/meminfo}), in Prometheus text format, sizes in bytes. A source that cannot be read is left
 * out rather than failing the scrape, so the other figures still arrive.
 */
public final class AgentMetrics {
    private final Path proc;
    private final AtomicLong scrapes = new AtomicLong();

    public AgentMetrics(Path proc) {
        this.proc = proc;
    }

    public String scrape() {
        PrometheusText text = new PrometheusText()
                .counter("kata_agent_scrape_count", "Metrics scrape count", scrapes.incrementAndGet());
        Map<String, Long> status = readOrEmpty(proc.resolve("self/status"));
        gauge(text, status, "Threads", "kata_agent_threads", "Agent process threads");
        gauge(text, status, "VmSize", "kata_agent_total_vm", "Agent process total virtual memory size");
        gauge(text, status, "VmRSS", "kata_agent_total_rss", "Agent process total resident set size");
        Map<String, Long> meminfo = new LinkedHashMap<>();
        readOrEmpty(proc.resolve("meminfo")).forEach((key, value) -> meminfo.put(item(key), value));
        text.gauges("kata_guest_meminfo", "Statistics about memory usage in the system", "item", meminfo);
        return text.toString();
    }

    /**
     * Kata's item name for a /proc/meminfo key: snake case, as the procfs crate names its fields
     * ({@code MemTotal} → {@code mem_total}, {@code SReclaimable} → {@code s_reclaimable},
     * {@code Active(anon)} → {@code active_anon}, {@code AnonHugePages} → {@code anon_hugepages}).
     */
    static String item(String key) {
        String k = key.replace("HugePages", "Hugepages").replace("(", "_").replace(")", "");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (i > 0 && Character.isUpperCase(c)) {
                char before = k.charAt(i - 1);
                boolean wordStart = Character.isLowerCase(before)
                        || (Character.isUpperCase(before) && i + 1 < k.length() && Character.isLowerCase(k.charAt(i + 1)));
                if (wordStart) {
                    out.append('_');
                }
            } else if (i > 0 && Character.isDigit(c) && Character.isLetter(k.charAt(i - 1))) {
                out.append('_');
            }
            out.append(c);
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    private static void gauge(PrometheusText text, Map<String, Long> fields, String key, String name, String help) {
        Long value = fields.get(key);
        if (value != null) {
            text.gauge(name, help, value);
        }
    }

    private static Map<String, Long> readOrEmpty(Path file) {
        try {
            return ProcFields.read(file);
        } catch (IOException e) {
            return Map.of();
        }
    }
}
