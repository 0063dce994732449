package dev.katajava.logging;

/** Severity of a log event, named as logrus names them so containerd's log readers recognise them. */
public enum Level {
    DEBUG("debug"), INFO("info"), WARN("warning"), ERROR("error");

    private final String label;

    Level(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
