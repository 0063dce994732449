package dev.katajava.linux;

import java.util.Map;

/**
 * Builds Prometheus' text exposition format (version 0.0.4), the format Kata's agent and shim serve their
 * /proc figures in: a HELP and TYPE line per metric family, then its samples.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder text = new StringBuilder();

    public PrometheusText gauge(String name, String help, long value) {
        family(name, help, "gauge");
        text.append(name).append(' ').append(value).append('\n');
        return this;
    }

    public PrometheusText counter(String name, String help, long value) {
        family(name, help, "counter");
        text.append(name).append(' ').append(value).append('\n');
        return this;
    }

    /** One gauge family with a sample per entry, the entry's key as the value of {@code label}. */
    public PrometheusText gauges(String name, String help, String label, Map<String, Long> samples) {
        if (samples.isEmpty()) {
            return this;
        }
        family(name, help, "gauge");
        samples.forEach((key, value) -> text.append(name).append('{').append(label).append("=\"")
                .append(escape(key)).append("\"} ").append(value).append('\n'));
        return this;
    }

    @Override
    public String toString() {
        return text.toString();
    }

    private void family(String name, String help, String type) {
        text.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
