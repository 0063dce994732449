package dev.katajava.virtcontainers.config;

import java.time.Duration;
import java.util.Set;

/**
 * The {@code [agent.kata]} table.
 *
 * @param transport {@code auto}, {@code vhost-vsock}, {@code vhost-user-vsock} or {@code virtio-serial}
 */
public record AgentConfig(Duration dialTimeout, boolean enableDebug, String transport) {
    public static final Set<String> TRANSPORTS = Set.of("auto", "vhost-vsock", "vhost-user-vsock", "virtio-serial");
}
