package dev.katajava.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * Writes one structured event per line in logfmt ({@code time=… level=… msg=… key=value}).
 *
 * <p>A single sink is shared by the whole process; each line is written with one {@code write} call
 * under a lock so lines from different threads never interleave.
 */
public final class Log {
    private static final Object LOCK = new Object();
    private static volatile OutputStream sink = OutputStream.nullOutputStream();
    private static volatile Level threshold = Level.INFO;
    private static volatile String[] baseFields = new String[0];

    private final String component;

    private Log(String component) {
        this.component = component;
    }

    /** A logger whose events carry {@code source=<component>}. */
    public static Log of(String component) {
        return new Log(Objects.requireNonNull(component));
    }

    /** Directs every logger of this process to {@code out}; lines below {@code level} are dropped. */
    public static void configure(OutputStream out, Level level, String... fields) {
        if (fields.length % 2 != 0) {
            throw new IllegalArgumentException("fields must be key/value pairs");
        }
        synchronized (LOCK) {
            sink = Objects.requireNonNull(out);
            threshold = Objects.requireNonNull(level);
            baseFields = fields.clone();
        }
    }

    public static boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public void debug(String msg, Object... kv) {
        log(Level.DEBUG, msg, null, kv);
    }

    public void info(String msg, Object... kv) {
        log(Level.INFO, msg, null, kv);
    }

    public void warn(String msg, Object... kv) {
        log(Level.WARN, msg, null, kv);
    }

    public void error(String msg, Throwable error, Object... kv) {
        log(Level.ERROR, msg, error, kv);
    }

    public void log(Level level, String msg, Throwable error, Object... kv) {
        if (!enabled(level)) {
            return;
        }
        String line = format(Instant.now(), level, component, msg, error, baseFields, kv);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        synchronized (LOCK) {
            try {
                sink.write(bytes);
                sink.flush();
            } catch (IOException ignored) {
                // A log sink that went away must never take the process down with it.
            }
        }
    }

    static String format(Instant time, Level level, String component, String msg, Throwable error,
                         String[] base, Object[] kv) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("time=").append(time).append(" level=").append(level.label());
        field(sb, "msg", msg);
        for (int i = 0; i + 1 < base.length; i += 2) {
            field(sb, base[i], base[i + 1]);
        }
        field(sb, "source", component);
        for (int i = 0; i < kv.length; i += 2) {
            Object value = i + 1 < kv.length ? kv[i + 1] : "";
            field(sb, String.valueOf(kv[i]), String.valueOf(value));
        }
        if (error != null) {
            field(sb, "error", error.toString());
        }
        return sb.append('\n').toString();
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append(' ').append(key).append('=');
        if (needsQuotes(value)) {
            JsonString.append(sb, value);
        } else {
            sb.append(value);
        }
    }

    private static boolean needsQuotes(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c > '~') {
                return true;
            }
        }
        return false;
    }
}
