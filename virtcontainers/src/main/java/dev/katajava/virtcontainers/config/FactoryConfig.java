package dev.katajava.virtcontainers.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code [factory]} table: VM templating as Kata configures it.
 *
 * @param enableTemplate new sandboxes are cloned from the template at {@code templatePath} when it matches
 * @param templatePath   the template's directory, a tmpfs this runtime mounts ({@code kata-runtime factory init})
 */
public record FactoryConfig(boolean enableTemplate, Path templatePath) {
    /** Kata's default directory of the template. */
    public static final Path DEFAULT_TEMPLATE_PATH = Path.of("/run/vc/vm/template");
    /** Templating off, as Kata ships it. */
    public static final FactoryConfig DISABLED = new FactoryConfig(false, DEFAULT_TEMPLATE_PATH);

    public FactoryConfig {
        Objects.requireNonNull(templatePath, "templatePath");
    }
}
