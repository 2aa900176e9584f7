package dev.ferry.protocols;

/**
 * Input that breaks a format's rules. The message is written for the person who sent the input:
 * it names the offending value and the rule, so the server can return it verbatim in a 4xx body.
 */
public class FormatException extends IllegalArgumentException {
    /** Longest piece of input a message quotes; the rest is elided so hostile input cannot bloat responses. */
    private static final int MAX_QUOTED = 200;

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Quotes untrusted text for a message: double quotes around it, control characters, quotes, backslashes and
     * non-ASCII characters as \\uXXXX escapes (so a message is always printable ASCII and safe in a response
     * body or a log line), and anything past 200 characters elided.
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 8).append('"');
        for (int i = 0; i < s.length() && i < MAX_QUOTED; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > MAX_QUOTED) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
