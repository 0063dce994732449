package dev.katajava.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void everyFamilyHasHelpAndTypeBeforeItsSamples() {
        Map<String, Long> items = new LinkedHashMap<>();
        items.put("mem_total", 10L);
        items.put("mem_free", 4L);
        String text = new PrometheusText()
                .gauge("x_rss", "Resident set size", 42)
                .counter("x_scrapes", "Scrapes", 1)
                .gauges("x_meminfo", "Memory", "item", items)
                .toString();
        assertThat(text).isEqualTo("""
                # HELP x_rss Resident set size
                # TYPE x_rss gauge
                x_rss 42
                # HELP x_scrapes Scrapes
                # TYPE x_scrapes counter
                x_scrapes 1
                # HELP x_meminfo Memory
                # TYPE x_meminfo gauge
                x_meminfo{item="mem_total"} 10
                x_meminfo{item="mem_free"} 4
                """);
    }

    @Test
    void labelValuesAreEscapedAndEmptyFamiliesLeftOut() {
        String text = new PrometheusText().gauges("y", "h", "item", Map.of("a\"b\\c", 1L))
                .gauges("z", "h", "item", Map.of()).toString();
        assertThat(text).contains("y{item=\"a\\\"b\\\\c\"} 1\n").doesNotContain("# TYPE z");
    }
}
