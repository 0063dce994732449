package dev.katajava.virtcontainers.template;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.Accelerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** Whether the template at the configured path can serve a sandbox of this configuration, and if not, why. */
public sealed interface TemplateCheck {
    /** A finished template that matches: clone it. */
    record Usable(TemplateFiles files, Accelerator accelerator) implements TemplateCheck {
    }

    /** Boot cold; {@code reason} is the one line the log gets. */
    record Unusable(String reason) implements TemplateCheck {
    }

    static TemplateCheck of(RuntimeConfig config) {
        String unsupported = TemplateShape.unsupported(config);
        if (unsupported != null) {
            return new Unusable(unsupported);
        }
        TemplateFiles files = new TemplateFiles(config.factory().templatePath());
        if (!Files.isRegularFile(files.fingerprint())) {
            return new Unusable("no finished template at " + files.dir() + " (kata-runtime factory init makes one)");
        }
        try {
            TemplateFingerprint have = TemplateFingerprint.parse(Files.readString(files.fingerprint(),
                    StandardCharsets.UTF_8));
            String mismatch = have.mismatch(TemplateFingerprint.of(config));
            if (mismatch != null) {
                return new Unusable("the template at " + files.dir() + " was made for another configuration: "
                        + mismatch + " (kata-runtime factory init rebuilds it)");
            }
            long ram = (long) TemplateShape.size(config.hypervisor()).memoryMiB() << 20;
            if (!Files.isRegularFile(files.memory()) || Files.size(files.memory()) != ram) {
                return new Unusable("the template's memory file " + files.memory() + " is missing or not "
                        + ram + " bytes");
            }
            if (!Files.isRegularFile(files.state()) || Files.size(files.state()) == 0) {
                return new Unusable("the template's state file " + files.state() + " is missing or empty");
            }
            String accel = Files.readString(files.accelerator(), StandardCharsets.US_ASCII).strip();
            if (!accel.equals("TCG") && !accel.equals("KVM")) {
                return new Unusable("the template's accelerator file " + files.accelerator() + " says \"" + accel
                        + "\", not TCG or KVM");
            }
            return new Usable(files, Accelerator.valueOf(accel));
        } catch (IOException | IllegalArgumentException e) {
            return new Unusable("the template at " + files.dir() + " cannot be read: " + e.getMessage());
        }
    }
}
