package dev.ferry.server.config;

/** A setting that cannot be used; the message is one line naming the setting, its value's source and the problem. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
