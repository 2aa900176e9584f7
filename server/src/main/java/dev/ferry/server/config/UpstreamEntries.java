package dev.ferry.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.upstreams.pool.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML {@code upstreams:} list. Secrets belong in the environment, not in the file: every value may
 * name environment variables as {@code ${NAME}}, and an unset one is an error rather than an empty password.
 */
final class UpstreamEntries {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> KEYS = Set.of("url", "weight", "username", "password", "bearerToken",
            "connectTimeout", "firstByteTimeout", "stallTimeout");

    private UpstreamEntries() {}

    /** Called with the parser on the START_ARRAY of {@code upstreams}. */
    static List<UpstreamEntry> read(JsonParser p, Path file, Map<String, String> env) throws IOException, ConfigException {
        List<UpstreamEntry> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String at = ConfigLoader.where(file, p.currentTokenLocation());
            if (t != JsonToken.START_OBJECT) {
                throw new ConfigException(at + ": each item of upstreams must be a mapping with at least url");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                String key = p.currentName();
                String keyAt = ConfigLoader.where(file, p.currentTokenLocation());
                JsonToken value = p.nextToken();
                if (!KEYS.contains(key)) {
                    throw new ConfigException(keyAt + ": unknown upstreams setting \"" + key + "\" (known: " + String.join(" ", KEYS) + ")");
                }
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    throw new ConfigException(keyAt + ": upstreams " + key + " takes a single value");
                }
                if (fields.containsKey(key)) {
                    throw new ConfigException(keyAt + ": upstreams " + key + " is set twice");
                }
                if (value != JsonToken.VALUE_NULL) {
                    fields.put(key, expand(p.getText(), env, keyAt, key));
                }
            }
            out.add(entry(fields, at));
        }
        return out;
    }

    private static UpstreamEntry entry(Map<String, String> f, String at) throws ConfigException {
        String url = f.get("url");
        if (url == null || url.isBlank()) {
            throw new ConfigException(at + ": upstreams item without url");
        }
        Integer weight = null;
        if (f.containsKey("weight")) {
            try {
                weight = Integer.parseInt(f.get("weight").strip());
            } catch (NumberFormatException e) {
                weight = -1;
            }
            if (weight < 1 || weight > 1000) {
                throw new ConfigException(at + ": invalid weight \"" + f.get("weight") + "\" for " + url + ": a whole number from 1 to 1000");
            }
        }
        boolean basic = f.containsKey("username") || f.containsKey("password");
        Credentials credentials = Credentials.NONE;
        if (basic && f.containsKey("bearerToken")) {
            throw new ConfigException(at + ": " + url + " has both username/password and bearerToken; use one");
        }
        if (basic) {
            if (f.get("username") == null || f.get("password") == null) {
                throw new ConfigException(at + ": " + url + " needs both username and password");
            }
            credentials = new Credentials.Basic(f.get("username"), f.get("password"));
        } else if (f.containsKey("bearerToken")) {
            credentials = new Credentials.Bearer(f.get("bearerToken").strip());
        }
        return new UpstreamEntry(url.strip(), weight, credentials, duration(f, "connectTimeout", at),
                duration(f, "firstByteTimeout", at), duration(f, "stallTimeout", at), at);
    }

    private static Duration duration(Map<String, String> f, String key, String at) throws ConfigException {
        String text = f.get(key);
        if (text == null) {
            return null;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("must be more than 0");
            }
            return d;
        } catch (RuntimeException e) {
            throw new ConfigException(at + ": invalid upstreams " + key + " \"" + text + "\": " + e.getMessage());
        }
    }

    /** Replaces each ${NAME} with the environment's value; the message never contains the value. */
    static String expand(String text, Map<String, String> env, String at, String key) throws ConfigException {
        return expandIn(text, env, at, "upstreams " + key);
    }

    /** As {@link #expand}; {@code what} names the setting in the message ("oci.registries docker.io password"). */
    static String expandIn(String text, Map<String, String> env, String at, String what) throws ConfigException {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                throw new ConfigException(at + ": " + what + " refers to ${" + m.group(1)
                        + "}, which is not set in the environment");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
