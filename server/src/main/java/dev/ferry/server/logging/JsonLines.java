package dev.ferry.server.logging;

/** The bits of JSON a log line needs, written straight into a StringBuilder (no object tree per line). */
public final class JsonLines {
    private JsonLines() {}

    /** {@code "name":"value"} with the value escaped; a leading comma unless it is the first field. */
    public static StringBuilder field(StringBuilder sb, String name, String value) {
        separate(sb).append('"').append(name).append("\":");
        return string(sb, value);
    }

    public static StringBuilder field(StringBuilder sb, String name, long value) {
        separate(sb).append('"').append(name).append("\":").append(value);
        return sb;
    }

    /** A number written as is ({@code 0.41}): the caller formats it. */
    public static StringBuilder rawField(StringBuilder sb, String name, CharSequence number) {
        separate(sb).append('"').append(name).append("\":").append(number);
        return sb;
    }

    private static StringBuilder separate(StringBuilder sb) {
        char last = sb.isEmpty() ? '{' : sb.charAt(sb.length() - 1);
        if (last != '{') {
            sb.append(',');
        }
        return sb;
    }

    /** A JSON string: quotes, backslashes and every control character escaped, so a line stays one line. */
    public static StringBuilder string(StringBuilder sb, String value) {
        if (value == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20
                            || c == 0x2028
                            || c == 0x2029
                            || Character.isSurrogate(c) && !validSurrogate(value, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** A lone surrogate would make the line invalid UTF-8; a pair is written as it is. */
    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
