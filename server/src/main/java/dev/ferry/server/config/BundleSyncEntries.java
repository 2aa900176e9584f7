package dev.ferry.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.ExportRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the YAML {@code bundles.sync} list: {@code [{site, to, every, set?, max-volume-size?}, ...]}. */
final class BundleSyncEntries {
    private static final List<String> KEYS = List.of("site", "to", "every", "set", "max-volume-size");

    private BundleSyncEntries() {}

    /** Called with the parser on the START_ARRAY of {@code bundles.sync}; relative paths are against the file's directory. */
    static List<BundleSync> read(JsonParser p, Path file) throws IOException, ConfigException {
        List<BundleSync> out = new ArrayList<>();
        Set<String> sites = new HashSet<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String at = ConfigLoader.where(file, p.currentTokenLocation());
            if (t != JsonToken.START_OBJECT) {
                throw new ConfigException(at + ": each item of bundles.sync must be a mapping {site, to, every, set?,"
                        + " max-volume-size?}");
            }
            Map<String, String> f = new LinkedHashMap<>();
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                String key = p.currentName();
                String keyAt = ConfigLoader.where(file, p.currentTokenLocation());
                JsonToken value = p.nextToken();
                if (!KEYS.contains(key)) {
                    throw new ConfigException(keyAt + ": unknown bundles.sync setting \"" + key + "\" (known: "
                            + String.join(" ", KEYS) + ")");
                }
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    throw new ConfigException(keyAt + ": bundles.sync " + key + " takes a single value");
                }
                if (f.containsKey(key)) {
                    throw new ConfigException(keyAt + ": bundles.sync " + key + " is set twice");
                }
                if (value != JsonToken.VALUE_NULL) {
                    f.put(key, p.getText().strip());
                }
            }
            BundleSync s = entry(f, at, file);
            if (!sites.add(s.site())) {
                throw new ConfigException(at + ": bundles.sync has site \"" + s.site() + "\" twice (the history of"
                        + " what went to a site is kept per site)");
            }
            out.add(s);
        }
        return out;
    }

    private static BundleSync entry(Map<String, String> f, String at, Path file) throws ConfigException {
        for (String required : List.of("site", "to", "every")) {
            if (f.get(required) == null || f.get(required).isEmpty()) {
                throw new ConfigException(at + ": bundles.sync item without " + required
                        + " (want site, to, every; optional set, max-volume-size)");
            }
        }
        String site = f.get("site");
        if (!site.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigException(at + ": invalid bundles.sync site \"" + site
                    + "\": letters, digits, '.', '_' and '-'");
        }
        Duration every;
        try {
            every = Durations.parse(f.get("every"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ": invalid bundles.sync every \"" + f.get("every") + "\" for site " + site
                    + ": " + e.getMessage());
        }
        if (every.compareTo(BundleSync.MIN_EVERY) < 0) {
            throw new ConfigException(at + ": invalid bundles.sync every \"" + f.get("every") + "\" for site " + site
                    + ": must be at least " + Durations.format(BundleSync.MIN_EVERY));
        }
        long maxVolume = ExportRequest.DEFAULT_MAX_VOLUME_SIZE;
        if (f.containsKey("max-volume-size")) {
            try {
                maxVolume = ByteRates.parse(f.get("max-volume-size"));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new ConfigException(at + ": invalid bundles.sync max-volume-size \"" + f.get("max-volume-size")
                        + "\" for site " + site + ": " + e.getMessage());
            }
            if (maxVolume < ExportRequest.MIN_MAX_VOLUME_SIZE) {
                throw new ConfigException(at + ": invalid bundles.sync max-volume-size \"" + f.get("max-volume-size")
                        + "\" for site " + site + ": must be at least 2MiB");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        Path to = resolve(base, f.get("to"), at, "to");
        Optional<Path> set = f.containsKey("set") ? Optional.of(resolve(base, f.get("set"), at, "set")) : Optional.empty();
        if (set.isPresent()) {
            // Checked now so a typo stops the start; read again at every run, so edits apply without a restart.
            try {
                MirrorSet.Parsed parsed = MirrorSet.parse(set.get().toString(), Files.readAllBytes(set.get()));
                if (!parsed.errors().isEmpty()) {
                    throw new ConfigException(at + ": bundles.sync set " + set.get() + " for site " + site
                            + " has errors: " + parsed.errors().stream().map(Object::toString)
                            .collect(java.util.stream.Collectors.joining("; ")));
                }
            } catch (IOException e) {
                throw new ConfigException(at + ": cannot read bundles.sync set " + set.get() + " for site " + site
                        + ": " + e.getMessage());
            }
        }
        return new BundleSync(site, to, every, set, maxVolume, at);
    }

    private static Path resolve(Path base, String text, String at, String key) throws ConfigException {
        try {
            Path p = Path.of(text);
            return (p.isAbsolute() || base == null ? p.toAbsolutePath() : base.resolve(p)).normalize();
        } catch (RuntimeException e) {
            throw new ConfigException(at + ": invalid bundles.sync " + key + " \"" + text + "\": " + e.getMessage());
        }
    }
}
