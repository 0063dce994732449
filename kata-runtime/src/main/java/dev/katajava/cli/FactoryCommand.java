package dev.katajava.cli;

import dev.katajava.virtcontainers.config.RuntimeConfig;
import dev.katajava.virtcontainers.hypervisor.HypervisorProvider;
import dev.katajava.virtcontainers.template.TemplateException;
import dev.katajava.virtcontainers.template.TemplateFactory;
import dev.katajava.virtcontainers.template.TemplateMount;
import dev.katajava.virtcontainers.template.TemplateStatus;
import java.io.PrintStream;
import java.util.ServiceLoader;

/** {@code kata-runtime factory init | status | destroy}: the VM template Kata's {@code [factory]} describes. */
final class FactoryCommand {
    static final String USAGE = "factory init|status|destroy";

    private FactoryCommand() {
    }

    static int run(String action, RuntimeConfig config, PrintStream out, PrintStream err) {
        try {
            return switch (action) {
                case "init" -> {
                    if (!config.factory().enableTemplate() && !config.factory().vmCache()) {
                        err.println("factory init: templating and the VM cache are off in " + config.source()
                                + " ([factory] enable_template = false, vm_cache_number = 0)");
                        yield 1;
                    }
                    // With both on, the template is made first: sandboxes the cache cannot serve are cloned.
                    if (config.factory().enableTemplate()) {
                        out.println(factory(config).init(config).message());
                        out.flush();
                    }
                    yield config.factory().vmCache() ? VmCacheCommand.init(config, out, err) : 0;
                }
                case "status" -> {
                    TemplateStatus.of(config).lines().forEach(out::println);
                    VmCacheCommand.status(config, out);
                    yield 0;
                }
                case "destroy" -> {
                    if (config.factory().vmCache()) {
                        VmCacheCommand.destroy(config, out, err);
                    }
                    boolean removed = TemplateFactory.destroy(config.factory().templatePath(), TemplateMount.LINUX);
                    out.println(removed ? "template at " + config.factory().templatePath() + " removed"
                            : "no template at " + config.factory().templatePath());
                    yield 0;
                }
                default -> {
                    err.println("unknown factory action \"" + action + "\"; usage: kata-runtime " + USAGE);
                    yield 2;
                }
            };
        } catch (TemplateException e) {
            err.println("factory " + action + ": " + e.getMessage());
            return 1;
        }
    }

    private static TemplateFactory factory(RuntimeConfig config) throws TemplateException {
        for (HypervisorProvider p : ServiceLoader.load(HypervisorProvider.class)) {
            if (p.name().equals(config.hypervisor().name())) {
                return new TemplateFactory(p, TemplateMount.LINUX);
            }
        }
        throw new TemplateException("no hypervisor implementation named \"" + config.hypervisor().name()
                + "\" is installed");
    }
}
