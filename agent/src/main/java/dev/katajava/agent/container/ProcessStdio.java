package dev.katajava.agent.container;

import dev.katajava.transport.stdio.StdioKind;
import java.io.InputStream;
import java.io.OutputStream;

/** A process's stdio as the agent holds it: three pipes, or one terminal. */
interface ProcessStdio {
    InputStream stdout();

    /** Empty for a terminal, whose output all comes through {@link #stdout}. */
    InputStream stderr();

    OutputStream stdin();

    /**
     * Hands over the agent's own descriptor on {@code kind}'s pipe, for splicing; the caller closes it. -1
     * when there is none (a terminal, already taken, or it could not be opened): use the streams then.
     */
    default int takeFd(StdioKind kind) {
        return -1;
    }

    /** Sets the terminal size; pipes have none and ignore it. */
    void resize(int rows, int columns) throws ContainerException;

    /** Releases the agent's side of the streams. */
    void close();
}
