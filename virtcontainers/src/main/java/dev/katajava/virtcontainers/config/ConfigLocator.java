package dev.katajava.virtcontainers.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Finds configuration.toml the way Kata does. */
public final class ConfigLocator {
    public static final String ENV_CONF_FILE = "KATA_CONF_FILE";
    public static final Path ETC_CONFIG = Path.of("/etc/kata-containers/configuration.toml");
    public static final Path DEFAULT_CONFIG = Path.of("/usr/share/defaults/kata-containers/configuration.toml");

    private ConfigLocator() {
    }

    /**
     * The file to use: the runtime option path when given (it must exist), else {@code $KATA_CONF_FILE}
     * (it must exist), else the first existing of /etc/kata-containers and /usr/share/defaults/kata-containers.
     */
    public static Path locate(String runtimeOptionPath, Map<String, String> env) throws ConfigException {
        if (runtimeOptionPath != null && !runtimeOptionPath.isEmpty()) {
            return mustExist(Path.of(runtimeOptionPath), "runtime option config_path");
        }
        String fromEnv = env.get(ENV_CONF_FILE);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return mustExist(Path.of(fromEnv), ENV_CONF_FILE);
        }
        List<Path> tried = new ArrayList<>();
        for (Path candidate : List.of(ETC_CONFIG, DEFAULT_CONFIG)) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(candidate);
        }
        throw new ConfigException("no configuration file found (tried " + tried + "; set " + ENV_CONF_FILE
                + " or pass --runtime-config-path)");
    }

    private static Path mustExist(Path path, String origin) throws ConfigException {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("configuration file " + path + " (from " + origin + ") does not exist");
        }
        return path;
    }
}
