package dev.ferry.server.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} in a config-file value, replaced by the environment's value: secrets belong in the environment,
 * not in the file. An unset variable is an error rather than an empty password.
 */
final class EnvReferences {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private EnvReferences() {}

    /** {@code text} with each reference replaced; null stays null. The message never contains a value. */
    static String expand(String text, Map<String, String> env, String at, String what) throws ConfigException {
        if (text == null) {
            return null;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                throw new ConfigException(
                        at + ": " + what + " refers to ${" + m.group(1) + "}, which is not set in the environment");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
