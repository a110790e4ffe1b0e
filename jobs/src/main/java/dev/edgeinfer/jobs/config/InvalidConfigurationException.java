package dev.edgeinfer.jobs.config;

/** A setting is missing or has a value the job cannot run with; the message names the key. */
public class InvalidConfigurationException extends IllegalArgumentException {

    private final String key;

    public InvalidConfigurationException(String key, String problem) {
        super("Invalid configuration '" + key + "': " + problem);
        this.key = key;
    }

    public InvalidConfigurationException(String key, String problem, Throwable cause) {
        super("Invalid configuration '" + key + "': " + problem, cause);
        this.key = key;
    }

    /** The offending configuration key. */
    public String key() {
        return key;
    }
}
