package dev.katajava.agent.container;

import java.io.InputStream;
import java.io.OutputStream;

/** A process's stdio as the agent holds it: three pipes, or one terminal. */
interface ProcessStdio {
    InputStream stdout();

    /** Empty for a terminal, whose output all comes through {@link #stdout}. */
    InputStream stderr();

    OutputStream stdin();

    /** Sets the terminal size; pipes have none and ignore it. */
    void resize(int rows, int columns) throws ContainerException;

    /** Releases the agent's side of the streams. */
    void close();
}
