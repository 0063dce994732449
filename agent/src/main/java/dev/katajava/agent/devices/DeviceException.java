package dev.katajava.agent.devices;

/** A device rule or node the container cannot have as written. */
public final class DeviceException extends Exception {
    public DeviceException(String message) {
        super(message);
    }
}
