package dev.ferry.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.upstreams.GoProxyList;
import dev.ferry.upstreams.UpstreamTimeouts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;

/**
 * Resolves each {@link Setting} from, in order of precedence, command-line flags, environment variables, a YAML
 * config file and the embedded defaults; checks every value and says exactly which source a bad one came from.
 */
public final class ConfigLoader {
    /** YAML mappings that group settings. */
    private static final Set<String> GROUPS = Set.of("go", "upstream");

    private ConfigLoader() {}

    /** A raw value and where it came from, e.g. "flag --listen", "env FERRY_LISTEN", "ferry.yaml:3", "default". */
    public record Sourced(String value, String source) {}

    /**
     * @param flags      values given on the command line (absent: not given)
     * @param env        the environment (the process environment in production, a map in tests)
     * @param configFile the YAML file from --config, or null to use {@code FERRY_CONFIG} from {@code env} if set
     */
    public static FerryConfig load(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws ConfigException {
        Map<Setting, Sourced> raw = resolve(flags, env, configFile);
        return build(raw);
    }

    public static Map<Setting, Sourced> resolve(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws ConfigException {
        Path file = configFile;
        if (file == null && env.get(Setting.CONFIG_ENV) != null && !env.get(Setting.CONFIG_ENV).isBlank()) {
            file = Path.of(env.get(Setting.CONFIG_ENV));
        }
        Map<Setting, Sourced> fromFile = file == null ? Map.of() : readYaml(file);
        Map<Setting, Sourced> out = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            Sourced v;
            if (flags.get(s) != null) {
                v = new Sourced(flags.get(s), "flag " + s.flag());
            } else if (env.get(s.env()) != null) {
                v = new Sourced(env.get(s.env()), "env " + s.env());
            } else if (fromFile.containsKey(s)) {
                v = fromFile.get(s);
            } else {
                v = new Sourced(s.defaultValue(), "default");
            }
            out.put(s, v);
        }
        return out;
    }

    static FerryConfig build(Map<Setting, Sourced> raw) throws ConfigException {
        ListenAddress listen = check(raw, Setting.LISTEN, ListenAddress::parse);
        Path data = check(raw, Setting.DATA, t -> {
            if (t.isBlank()) {
                throw new IllegalArgumentException("empty directory");
            }
            return Path.of(t.strip()).toAbsolutePath().normalize();
        });
        Duration listTtl = check(raw, Setting.GO_LIST_TTL, Durations::parse);
        Duration notFoundTtl = check(raw, Setting.GO_NOT_FOUND_TTL, Durations::parse);
        Duration connect = check(raw, Setting.UPSTREAM_CONNECT_TIMEOUT, ConfigLoader::positive);
        Duration firstByte = check(raw, Setting.UPSTREAM_FIRST_BYTE_TIMEOUT, ConfigLoader::positive);
        Duration stall = check(raw, Setting.UPSTREAM_STALL_TIMEOUT, ConfigLoader::positive);
        Level level = check(raw, Setting.LOG_LEVEL, ConfigLoader::level);
        boolean accessLog = check(raw, Setting.ACCESS_LOG, ConfigLoader::bool);
        GoProxyList upstream = check(raw, Setting.GO_UPSTREAM, t -> GoProxyList.parse(t.strip()));
        SumdbConfig sumdb = check(raw, Setting.GO_SUMDB, SumdbConfig::parse);
        PrivatePatterns privates = check(raw, Setting.GO_PRIVATE, PrivatePatterns::parse);
        return new FerryConfig(listen, data, raw.get(Setting.GO_UPSTREAM).value().strip(), upstream, listTtl,
                notFoundTtl, new UpstreamTimeouts(connect, firstByte, stall), level, accessLog,
                raw.get(Setting.GO_SUMDB).value().strip(), sumdb, privates);
    }

    @FunctionalInterface
    private interface Parse<T> {
        T parse(String text);
    }

    private static <T> T check(Map<Setting, Sourced> raw, Setting s, Parse<T> parse) throws ConfigException {
        Sourced v = raw.get(s);
        try {
            return parse.parse(v.value());
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException("invalid " + s.key() + " \"" + v.value() + "\" (from " + v.source() + "): "
                    + why.replace('\n', ' '));
        }
    }

    private static Duration positive(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be more than 0");
        }
        return d;
    }

    static Level level(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new IllegalArgumentException("expected error, warn, info, debug or trace");
        };
    }

    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    /** Reads the YAML file into settings, rejecting unknown keys, lists and duplicates with file:line. */
    static Map<Setting, Sourced> readYaml(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " not found");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<Setting, Sourced> out = new EnumMap<>(Setting.class);
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return out; // empty file
            }
            if (t != JsonToken.START_OBJECT) {
                throw new ConfigException(where(file, p.currentTokenLocation()) + ": expected a mapping of settings");
            }
            readObject(p, "", file, out);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "invalid YAML" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw new ConfigException(where(file, e.getLocation()) + ": invalid YAML: " + msg);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return out;
    }

    private static void readObject(JsonParser p, String prefix, Path file, Map<Setting, Sourced> out)
            throws IOException, ConfigException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
            if (t != JsonToken.FIELD_NAME) {
                throw new ConfigException(where(file, p.currentTokenLocation()) + ": unexpected " + t);
            }
            String key = prefix + p.currentName();
            String at = where(file, p.currentTokenLocation());
            JsonToken value = p.nextToken();
            if (value == JsonToken.START_OBJECT) {
                if (!prefix.isEmpty() || !GROUPS.contains(key)) {
                    throw new ConfigException(at + ": unknown setting \"" + key + "\"" + hint());
                }
                readObject(p, key + ".", file, out);
                continue;
            }
            Setting s = Setting.byKey(key);
            if (s == null) {
                throw new ConfigException(at + ": unknown setting \"" + key + "\"" + hint());
            }
            if (value == JsonToken.START_ARRAY) {
                throw new ConfigException(at + ": " + key + " takes a single value, not a list");
            }
            if (out.containsKey(s)) {
                throw new ConfigException(at + ": " + key + " is set twice");
            }
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            out.put(s, new Sourced(p.getText(), at));
        }
    }

    private static String hint() {
        StringBuilder sb = new StringBuilder(" (known settings:");
        for (Setting s : Setting.values()) {
            sb.append(' ').append(s.key());
        }
        return sb.append(')').toString();
    }

    private static String where(Path file, JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? file.toString() : file + ":" + loc.getLineNr();
    }
}
