package dev.katajava.virtcontainers.hooks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One OCI hook: the program, its whole argument vector (argv[0] included; just the path when the spec gives
 * none) and environment (exactly the spec's: nothing is inherited), and how long it may run.
 *
 * @param name the hook's kind and place in its list, e.g. {@code prestart[1]}, for messages
 */
public record Hook(String name, Path path, List<String> args, List<String> env, Optional<Duration> timeout) {
    public Hook {
        args = List.copyOf(args);
        env = List.copyOf(env);
    }

    /** How the hook is shown in an error: its name and program. */
    public String describe() {
        return name + " (" + path + ")";
    }
}
