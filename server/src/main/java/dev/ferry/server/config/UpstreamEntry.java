package dev.ferry.server.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.upstreams.pool.Credentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One item of the YAML {@code upstreams:} list: details for an upstream named in a list such as go.upstream.
 * Null fields fall back to the pool-wide settings. {@code source} is the file and line, for error messages.
 */
public record UpstreamEntry(
        String url,
        Integer weight,
        Credentials credentials,
        Duration connectTimeout,
        Duration firstByteTimeout,
        Duration stallTimeout,
        String source) {

    /** The item as the file writes it; every value may name environment variables as {@code ${NAME}}. */
    record Yaml(
            String url,
            String weight,
            String username,
            String password,
            String bearerToken,
            String connectTimeout,
            String firstByteTimeout,
            String stallTimeout,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** Checks an item and expands its environment references. */
    static UpstreamEntry fromYaml(Located<Yaml> item, Path file, Map<String, String> env) throws ConfigException {
        String at = ConfigFile.where(file, item.line());
        Yaml y = item.value();
        if (y == null) {
            throw new ConfigException(at + ": each item of upstreams must be a mapping with at least url");
        }
        ConfigFile.refuseUnknown(y.unknown(), "upstreams", Yaml.class, file);
        String url = expand(y.url(), env, at, "url");
        if (url == null || url.isBlank()) {
            throw new ConfigException(at + ": upstreams item without url");
        }
        String weightText = expand(y.weight(), env, at, "weight");
        Integer weight = null;
        if (weightText != null) {
            try {
                weight = Integer.parseInt(weightText.strip());
            } catch (NumberFormatException e) {
                weight = -1;
            }
            if (weight < 1 || weight > 1000) {
                throw new ConfigException(
                        at + ": invalid weight \"" + weightText + "\" for " + url + ": a whole number from 1 to 1000");
            }
        }
        String username = expand(y.username(), env, at, "username");
        String password = expand(y.password(), env, at, "password");
        String token = expand(y.bearerToken(), env, at, "bearerToken");
        boolean basic = username != null || password != null;
        Credentials credentials = Credentials.NONE;
        if (basic && token != null) {
            throw new ConfigException(at + ": " + url + " has both username/password and bearerToken; use one");
        }
        if (basic) {
            if (username == null || password == null) {
                throw new ConfigException(at + ": " + url + " needs both username and password");
            }
            credentials = new Credentials.Basic(username, password);
        } else if (token != null) {
            credentials = new Credentials.Bearer(token.strip());
        }
        return new UpstreamEntry(
                url.strip(),
                weight,
                credentials,
                duration(expand(y.connectTimeout(), env, at, "connectTimeout"), "connectTimeout", at),
                duration(expand(y.firstByteTimeout(), env, at, "firstByteTimeout"), "firstByteTimeout", at),
                duration(expand(y.stallTimeout(), env, at, "stallTimeout"), "stallTimeout", at),
                at);
    }

    private static String expand(String text, Map<String, String> env, String at, String key) throws ConfigException {
        return EnvReferences.expand(text, env, at, "upstreams " + key);
    }

    private static Duration duration(String text, String key, String at) throws ConfigException {
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
}
