package dev.katajava.agent.container;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Stdio as three pipes to the launcher's process. */
final class PipeStdio implements ProcessStdio {
    private final java.lang.Process launcher;

    PipeStdio(java.lang.Process launcher) {
        this.launcher = launcher;
    }

    @Override
    public InputStream stdout() {
        return launcher.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return launcher.getErrorStream();
    }

    @Override
    public OutputStream stdin() {
        return launcher.getOutputStream();
    }

    @Override
    public void resize(int rows, int columns) {
        // Pipes have no size.
    }

    @Override
    public void close() {
        for (Closeable c : new Closeable[] {stdin(), stdout(), stderr()}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }
}
