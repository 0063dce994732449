package dev.katajava.virtcontainers.config;

import java.time.Duration;

/** The {@code [agent.kata]} table. */
public record AgentConfig(Duration dialTimeout, boolean enableDebug) {
}
