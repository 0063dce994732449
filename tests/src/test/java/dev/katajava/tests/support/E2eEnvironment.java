package dev.katajava.tests.support;

import java.nio.file.Path;

/** The staged install and repository the end-to-end tests run against (set by the tests module's pom). */
public final class E2eEnvironment {
    public static final Path PREFIX = Path.of(System.getProperty("kata.prefix"));
    public static final Path CONFIG = Path.of(System.getProperty("kata.config"));
    public static final Path REPO = Path.of(System.getProperty("kata.repo"));
    public static final String RUNTIME = "io.containerd.kata.v2";

    private E2eEnvironment() {
    }
}
