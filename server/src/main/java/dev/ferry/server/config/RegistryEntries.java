package dev.ferry.server.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mirrored registries, from {@code --registry NAME=URL[,URL...]} (repeatable), {@code FERRY_REGISTRY}
 * (entries separated by whitespace) or the YAML mapping {@code oci.registries}. Endpoints follow the usual
 * precedence as one list: flags replace the environment's list, which replaces the file's. Credentials never
 * come from the command line: the YAML entry's {@code username}/{@code password} or {@code bearerToken} (each may
 * be a {@code ${ENV}} reference), overridden by {@code FERRY_REGISTRY_<NAME>_USERNAME}/{@code _PASSWORD}/{@code _TOKEN}
 * (NAME upper-cased, every other character than A-Z and 0-9 as '_'). A credential for a registry that ends up
 * unconfigured is an error, as for the Go upstreams: a silently unused secret hides a typo.
 *
 * <p>{@code off} as the whole endpoint list ({@code docker.io=off}, YAML {@code endpoints: off} or {@code [off]})
 * makes the registry offline: no endpoints, served from the store only (a disconnected site importing bundles).
 * {@code off} among URLs is an error, and so are credentials for an off registry: nothing would ever use them.
 */
final class RegistryEntries {
    /** The endpoint list of a registry with no upstream. */
    static final String OFF = "off";

    private RegistryEntries() {}

    /** One registry as a source gives it; {@code urls} is empty for a YAML entry that only holds credentials. */
    record Entry(String name, List<String> urls, Credentials credentials, String source) {}

    /** {@code docker.io=https://a,https://b ghcr.io=https://ghcr.io}: entries separated by whitespace. */
    static List<Entry> parseText(String text, String source) throws ConfigException {
        List<Entry> out = new ArrayList<>();
        for (String item : text.strip().split("\\s+")) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq < 0) {
                throw new ConfigException("invalid oci.registries \"" + item + "\" (from " + source
                        + "): expected NAME=URL[,URL...] or NAME=off, e.g. docker.io=https://registry-1.docker.io");
            }
            List<String> urls = new ArrayList<>();
            for (String url : item.substring(eq + 1).split(",", -1)) {
                urls.add(url.strip());
            }
            out.add(new Entry(item.substring(0, eq).strip(), urls, Credentials.NONE, source));
        }
        return out;
    }

    /** One registry of the YAML mapping {@code oci.registries} as the file writes it; values may be ${ENV}. */
    record Yaml(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> endpoints,

            String username,
            String password,
            String bearerToken,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** The YAML mapping's entries; an entry's source is the line of its name. */
    static List<Entry> fromYaml(Map<Located<String>, Yaml> registries, Path file, Map<String, String> env)
            throws ConfigException {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<Located<String>, Yaml> e : registries.entrySet()) {
            String name = e.getKey().value();
            String at = ConfigFile.where(file, e.getKey().line());
            Yaml y = e.getValue();
            if (y == null) {
                throw new ConfigException(at + ": oci.registries " + name
                        + " must be a mapping with endpoints (and optionally username/password or bearerToken)");
            }
            ConfigFile.refuseUnknown(y.unknown(), "oci.registries", Yaml.class, file);
            String what = "oci.registries " + name;
            List<String> urls = new ArrayList<>();
            if (y.endpoints() != null) {
                if (y.endpoints().value() == null) {
                    throw new ConfigException(at + ": " + what + " endpoints must be a list of URLs");
                }
                for (String item : y.endpoints().value()) {
                    // one value may list several, comma-separated, as on the command line
                    for (String url : EnvReferences.expand(item, env, at, what + " endpoints")
                            .split(",", -1)) {
                        urls.add(url.strip());
                    }
                }
            }
            out.add(new Entry(
                    name,
                    urls,
                    credentials(
                            name,
                            EnvReferences.expand(y.username(), env, at, what + " username"),
                            EnvReferences.expand(y.password(), env, at, what + " password"),
                            EnvReferences.expand(y.bearerToken(), env, at, what + " bearerToken"),
                            at),
                    at));
        }
        return out;
    }

    /**
     * The registries in effect. {@code listed} are the entries of the winning list source (flag, env or file);
     * {@code fileEntries} supply credentials; the environment's credentials override both.
     */
    static List<RegistryConfig> resolve(
            List<Entry> listed, List<Entry> fileEntries, Map<String, String> env, UpstreamTimeouts timeouts)
            throws ConfigException {
        Map<String, Entry> fromFile = new LinkedHashMap<>();
        for (Entry e : fileEntries) {
            if (fromFile.put(e.name(), e) != null) {
                throw new ConfigException(e.source() + ": oci.registries has " + e.name() + " twice");
            }
        }
        Map<String, RegistryConfig> out = new LinkedHashMap<>();
        for (Entry e : listed) {
            String bad = RegistryConfig.checkName(e.name());
            if (bad != null) {
                throw new ConfigException("invalid oci.registries (from " + e.source() + "): " + bad);
            }
            if (out.containsKey(e.name())) {
                throw new ConfigException("invalid oci.registries (from " + e.source() + "): registry " + e.name()
                        + " is configured twice");
            }
            if (e.urls().isEmpty()) {
                throw new ConfigException(e.source() + ": oci.registries " + e.name() + " has no endpoints");
            }
            Entry file = fromFile.remove(e.name());
            Credentials creds = file != null ? file.credentials() : e.credentials();
            creds = fromEnvironment(e.name(), env, creds);
            if (e.urls().contains(OFF)) {
                if (e.urls().size() > 1) {
                    throw new ConfigException("invalid oci.registries (from " + e.source() + "): " + e.name()
                            + " lists off with endpoints " + e.urls() + "; off means no upstream and stands alone ("
                            + e.name() + "=off)");
                }
                if (!(creds instanceof Credentials.None)) {
                    throw new ConfigException((file != null && !(file.credentials() instanceof Credentials.None)
                                    ? file.source()
                                    : "env " + envPrefix(e.name()) + "*")
                            + ": oci.registries " + e.name()
                            + " has credentials but is off (no upstream to use them with)");
                }
                out.put(e.name(), new RegistryConfig(e.name(), List.of()));
                continue;
            }
            List<Upstream> endpoints = new ArrayList<>();
            for (String url : e.urls()) {
                URI base = endpoint(e, url);
                if (endpoints.stream().anyMatch(u -> u.base().equals(base))) {
                    throw new ConfigException("invalid oci.registries (from " + e.source() + "): " + e.name()
                            + " lists " + base + " twice");
                }
                endpoints.add(new Upstream(base, base.toString(), AfterFailure.MOVE_ON, 1, creds, timeouts));
            }
            out.put(e.name(), new RegistryConfig(e.name(), endpoints));
        }
        for (Entry unused : fromFile.values()) {
            if (!(unused.credentials() instanceof Credentials.None)) {
                throw new ConfigException(unused.source() + ": oci.registries " + unused.name()
                        + " has credentials but is not a configured registry (registries: " + out.keySet() + ")");
            }
        }
        return List.copyOf(out.values());
    }

    /** An http(s) URL with a host and no query, fragment or user info; a trailing slash is dropped. */
    private static URI endpoint(Entry e, String url) throws ConfigException {
        try {
            if (url.isEmpty()) {
                throw new IllegalArgumentException("empty URL");
            }
            GoProxyList one = GoProxyList.parse(url);
            if (one.entries().size() != 1) {
                throw new IllegalArgumentException("one URL expected");
            }
            return one.entries().getFirst().base();
        } catch (IllegalArgumentException ex) {
            throw new ConfigException("invalid oci.registries endpoint \"" + url + "\" for " + e.name() + " (from "
                    + e.source() + "): " + ex.getMessage());
        }
    }

    /** {@code FERRY_REGISTRY_DOCKER_IO_USERNAME} and friends, for registry {@code docker.io}. */
    static String envPrefix(String registry) {
        StringBuilder sb = new StringBuilder("FERRY_REGISTRY_");
        for (char c : registry.toUpperCase(Locale.ROOT).toCharArray()) {
            sb.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return sb.append('_').toString();
    }

    private static Credentials fromEnvironment(String registry, Map<String, String> env, Credentials fallback)
            throws ConfigException {
        String prefix = envPrefix(registry);
        String user = env.get(prefix + "USERNAME");
        String password = env.get(prefix + "PASSWORD");
        String token = env.get(prefix + "TOKEN");
        if (user == null && password == null && token == null) {
            return fallback;
        }
        return credentials(registry, user, password, token, "env " + prefix + "*");
    }

    private static Credentials credentials(String registry, String user, String password, String token, String at)
            throws ConfigException {
        boolean basic = user != null || password != null;
        if (basic && token != null) {
            throw new ConfigException(
                    at + ": registry " + registry + " has both username/password and a bearer token; use one");
        }
        if (basic) {
            if (user == null || password == null) {
                throw new ConfigException(at + ": registry " + registry + " needs both username and password");
            }
            return new Credentials.Basic(user, password);
        }
        if (token != null) {
            if (token.isBlank()) {
                throw new ConfigException(at + ": registry " + registry + " has an empty bearer token");
            }
            return new Credentials.Bearer(token.strip());
        }
        return Credentials.NONE;
    }
}
