package dev.ferry.server.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.protocols.yaml.Yaml;
import dev.ferry.server.config.ConfigLoader.Sourced;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The YAML config file as Jackson binds it. Its shape follows the {@link Setting} keys (a dotted key is a
 * component of its group's record) plus the lists only the file has: {@code upstreams}, {@code oci.registries}
 * and {@code bundles.sync}. {@link #settings} finds the settings by walking the records, so the table is the one
 * list of settings; a test holds the shape and the table to each other. Unknown keys are refused with their line,
 * keys given twice by the parser.
 */
record ConfigFile(
        Located<String> listen,
        Located<String> data,
        TlsGroup tls,
        ServerGroup server,
        GoGroup go,
        UpstreamGroup upstream,
        OciGroup oci,
        StorageGroup storage,
        AdminGroup admin,
        BundlesGroup bundles,
        AccessGroup access,
        LimitsGroup limits,
        ClusterGroup cluster,
        Located<String> logLevel,
        Located<String> logFormat,
        Located<String> accessLog,
        List<Located<UpstreamEntry.Yaml>> upstreams,
        @JsonAnySetter Map<String, Located<Object>> unknown) {

    record ServerGroup(
            Located<String> headTimeout,
            Located<String> maxConnectionsPerClient,
            Located<String> publicUrl,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> hostNames,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> trustedProxies,

            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record GoGroup(
            Located<String> upstream,
            Located<String> sumdb,
            @JsonProperty("private") Located<String> privates,
            Located<String> privateUpstream,
            List<Located<GoSourcesFile.Route>> privateRoutes,
            DirectGroup direct,
            Located<String> listTtl,
            Located<String> notFoundTtl,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record DirectGroup(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> hosts,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> insecure,

            Located<String> concurrency,
            Located<String> timeout,
            Located<String> goCommand,
            Located<String> netrc,
            Located<String> gitCredentials,
            Located<String> sshKey,
            Located<String> sshKnownHosts,
            List<Located<GoSourcesFile.Credential>> credentials,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record UpstreamGroup(
            Located<String> connectTimeout,
            Located<String> firstByteTimeout,
            Located<String> stallTimeout,
            Located<String> strategy,
            BreakerGroup breaker,
            RetryGroup retry,
            Located<String> stallFloor,
            Located<String> stallFloorWindow,
            Located<String> probeInterval,
            Located<String> hedgeAfter,
            SlowGroup slow,
            Located<String> smallBody,
            Located<String> quarantine,
            Located<String> httpsProxy,
            Located<String> httpProxy,
            Located<String> noProxy,
            Located<String> caBundle,
            Located<String> allowPrivateRedirects,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> realmHosts,

            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record TlsGroup(
            Located<String> certificate,
            Located<String> key,
            Located<String> clientCa,
            ClientAuthGroup clientAuth,
            Located<String> redirectListen,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record ClientAuthGroup(
            Located<String> admin,
            Located<String> pulls,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record BreakerGroup(
            Located<String> failures,
            Located<String> errorRate,
            Located<String> window,
            Located<String> minRequests,
            Located<String> coolDown,
            Located<String> maxCoolDown,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record RetryGroup(
            Located<String> attempts,
            Located<String> backoff,
            Located<String> maxBackoff,
            Located<String> budget,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record SlowGroup(
            Located<String> factor,
            Located<String> minimum,
            Located<String> window,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** {@code registries} is the setting oci.registries, which the file gives as a mapping with credentials. */
    record OciGroup(
            @JsonDeserialize(keyUsing = Located.KeyReader.class)
            Map<Located<String>, RegistryEntries.Yaml> registries,

            Located<String> defaultRegistry,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> hosted,

            Located<String> tagTtl,
            Located<String> maxUploadSize,
            Located<String> uploadExpiry,
            Located<String> delete,
            Located<String> anonymousPull,
            Located<String> users,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record AccessGroup(
            Located<String> users,
            Located<String> roles,
            Located<String> tokens,
            Located<String> modules,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> images,

            Located<String> anonymousPrivate,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record LimitsGroup(
            Located<String> missRate,
            Located<String> missBurst,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record ClusterGroup(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> peers,

            Located<String> self,
            Located<String> token,
            Located<String> tokenFile,
            Located<String> peerTimeout,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record StorageGroup(
            Located<String> quota, @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record AdminGroup(Located<String> token, @JsonAnySetter Map<String, Located<Object>> unknown) {}

    record BundlesGroup(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> trust,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<String>> roots,

            Located<String> allowRequestTrust,
            List<Located<BundleSync.Yaml>> sync,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** The keys that are lists or mappings of their own rather than settings, with their shape for messages. */
    private static final Map<String, String> STRUCTURES = Map.of(
            "upstreams", "a list of mappings with at least url",
            "oci.registries", "a mapping NAME: {endpoints: [URL, ...]}",
            "bundles.sync", "a list of {site, to, every, set?, max-volume-size?}");

    static final ConfigFile EMPTY = new ConfigFile(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    /** Reads and binds the file; a mistake in its shape is a ConfigException naming the file, line and key. */
    static ConfigFile read(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " not found");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        try {
            ConfigFile f = Yaml.read(text, ConfigFile.class);
            return f == null ? EMPTY : f;
        } catch (MismatchedInputException e) {
            throw new ConfigException(where(file, Yaml.line(e)) + ": " + wrongShape(e));
        } catch (JsonProcessingException e) {
            throw new ConfigException(where(file, Yaml.line(e)) + ": invalid YAML: " + Yaml.reason(e));
        }
    }

    /** {@code file:line}, or the file alone when the line is unknown. */
    static String where(Path file, int line) {
        return line < 1 ? file.toString() : file + ":" + line;
    }

    /**
     * The settings the file gives, each with {@code file:line} as its source; a list (oci.hosted, bundles.trust)
     * is joined with commas, as the environment gives it. oci.registries, a mapping, is marked as given with an
     * empty text: {@link RegistryEntries} reads it.
     */
    Map<Setting, Sourced> settings(Path file) throws ConfigException {
        Map<Setting, Sourced> out = new EnumMap<>(Setting.class);
        collect(this, "", file, out);
        return out;
    }

    /** The upstreams list's entries, checked. */
    List<UpstreamEntry> upstreamEntries(Path file, Map<String, String> env) throws ConfigException {
        List<UpstreamEntry> out = new ArrayList<>();
        for (Located<UpstreamEntry.Yaml> item :
                upstreams == null ? List.<Located<UpstreamEntry.Yaml>>of() : upstreams) {
            out.add(UpstreamEntry.fromYaml(item, file, env));
        }
        return List.copyOf(out);
    }

    /** oci.registries' entries with their credentials, checked. */
    List<RegistryEntries.Entry> registryEntries(Path file, Map<String, String> env) throws ConfigException {
        return oci == null || oci.registries() == null
                ? List.of()
                : RegistryEntries.fromYaml(oci.registries(), file, env);
    }

    /** go.privateRoutes and go.direct.credentials, checked, their ${ENV} references expanded. */
    GoSourcesFile goSources(Path file, Map<String, String> env) throws ConfigException {
        return GoSourcesFile.read(go, file, env);
    }

    /** bundles.sync's scheduled exports, checked. */
    List<BundleSync> bundleSyncs(Path file) throws ConfigException {
        return bundles == null || bundles.sync() == null ? List.of() : BundleSync.fromYaml(bundles.sync(), file);
    }

    /**
     * Walks a group's components: Located ones are settings, records are groups, the rest are the lists only the
     * file has; the any-setter holds keys the shape does not know.
     */
    private static void collect(Record group, String prefix, Path file, Map<Setting, Sourced> out)
            throws ConfigException {
        for (RecordComponent c : group.getClass().getRecordComponents()) {
            Object value = get(c, group);
            String name = Yaml.key(c);
            if (name == null) {
                refuseUnknown(value, prefix, file);
                continue;
            }
            String key = prefix + name;
            if (value instanceof Located<?> v) {
                Object text = v.value() instanceof List<?> list
                        ? String.join(",", list.stream().map(String::valueOf).toList())
                        : v.value();
                if (text != null) {
                    out.put(setting(key), new Sourced((String) text, where(file, v.line())));
                }
            } else if (value instanceof Record r) {
                collect(r, key + ".", file, out);
            } else if (value != null && key.equals(Setting.OCI_REGISTRIES.key())) {
                out.put(Setting.OCI_REGISTRIES, new Sourced("", file.toString()));
            }
        }
    }

    private static void refuseUnknown(Object unknown, String prefix, Path file) throws ConfigException {
        if (unknown instanceof Map<?, ?> m && !m.isEmpty()) {
            Map.Entry<?, ?> first = m.entrySet().iterator().next();
            throw new ConfigException(where(file, ((Located<?>) first.getValue()).line()) + ": unknown setting \""
                    + prefix + first.getKey() + "\"" + hint());
        }
    }

    /** An unknown key in an item of {@code structure} (upstreams, oci.registries, bundles.sync). */
    static void refuseUnknown(
            Map<String, Located<Object>> unknown, String structure, Class<? extends Record> shape, Path file)
            throws ConfigException {
        if (unknown != null && !unknown.isEmpty()) {
            Map.Entry<String, Located<Object>> first =
                    unknown.entrySet().iterator().next();
            throw new ConfigException(where(file, first.getValue().line()) + ": unknown " + structure + " setting \""
                    + first.getKey() + "\" (known: " + String.join(" ", Yaml.keys(shape)) + ")");
        }
    }

    private static String hint() {
        StringBuilder sb = new StringBuilder(" (known settings:");
        for (Setting s : Setting.values()) {
            sb.append(' ').append(s.key());
        }
        return sb.append(" upstreams bundles.sync)").toString();
    }

    /** A component whose key is not in the table is a mistake in this file's shape, not in the user's. */
    private static Setting setting(String key) {
        Setting s = Setting.byKey(key);
        if (s == null) {
            throw new IllegalStateException("ConfigFile has " + key + ", which is not in Setting");
        }
        return s;
    }

    private static Object get(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What was wrong where Jackson stopped, in the words of the key: "listen takes a single value", "oci.registries
     * docker.io must be a mapping", "each item of upstreams must be a mapping".
     */
    private static String wrongShape(MismatchedInputException e) {
        List<String> names = new ArrayList<>();
        boolean item = false;
        for (JsonMappingException.Reference r : e.getPath()) {
            item = r.getFieldName() == null;
            if (!item) {
                names.add(r.getFieldName());
            }
        }
        if (names.isEmpty()) {
            return "expected a mapping of settings";
        }
        String what = describe(names);
        Class<?> target = e.getTargetType();
        if (target == String.class) {
            return item
                    ? what + " must be a list of single values"
                    : what + " takes a single value, not a list or mapping";
        }
        if (!item && STRUCTURES.containsKey(what)) {
            return what + " must be " + STRUCTURES.get(what);
        }
        if (List.class.isAssignableFrom(target)) {
            return what + " must be a list";
        }
        boolean group = target.isRecord() && !item && !what.contains(" ");
        return (item ? "each item of " : "") + what + " must be a mapping" + (group ? " of settings" : "");
    }

    /** {@code go.listTtl} for a setting; {@code oci.registries docker.io endpoints} inside a structure. */
    private static String describe(List<String> names) {
        for (String structure : STRUCTURES.keySet()) {
            int depth = structure.split("\\.").length;
            if (names.size() > depth
                    && String.join(".", names.subList(0, depth)).equals(structure)) {
                return structure + " " + String.join(" ", names.subList(depth, names.size()));
            }
        }
        return String.join(".", names);
    }
}
