package dev.katajava.virtcontainers.template;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What {@code kata-runtime factory status} prints: whether templating is on, the template, and if it fits. */
public record TemplateStatus(List<String> lines) {
    public static TemplateStatus of(RuntimeConfig config) {
        List<String> lines = new ArrayList<>();
        TemplateFiles files = new TemplateFiles(config.factory().templatePath());
        lines.add("enable_template = " + config.factory().enableTemplate());
        lines.add("template_path = " + files.dir());
        if (!Files.isRegularFile(files.fingerprint())) {
            lines.add("template: none");
            return new TemplateStatus(lines);
        }
        lines.add("template: " + size("memory", files.memory()) + ", " + size("state", files.state()));
        TemplateCheck check = TemplateCheck.of(config);
        lines.add(switch (check) {
            case TemplateCheck.Usable u -> "usable: yes (" + u.accelerator() + ")";
            case TemplateCheck.Unusable(String reason) -> "usable: no: " + reason;
        });
        return new TemplateStatus(lines);
    }

    private static String size(String name, Path file) {
        try {
            return name + " " + Files.size(file) + " bytes";
        } catch (IOException e) {
            return name + " missing";
        }
    }
}
