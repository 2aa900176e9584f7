package dev.ferry.protocols;

/**
 * Input that breaks a format's rules. The message is written for the person who sent the input:
 * it names the offending value and the rule, so the server can return it verbatim in a 4xx body.
 */
public class FormatException extends IllegalArgumentException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
