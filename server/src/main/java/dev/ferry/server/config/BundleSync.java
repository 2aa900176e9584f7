package dev.ferry.server.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.ExportRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One scheduled export (config {@code bundles.sync}): every {@code every}, an incremental bundle of what was added
 * since the last bundle to {@code site} is written into {@code to} (a full one the first time).
 *
 * @param set           a mirror-set file: export what it selects; empty: everything
 * @param maxVolumeSize the largest volume file in bytes
 * @param source        where it was configured (file:line), for messages
 */
public record BundleSync(String site, Path to, Duration every, Optional<Path> set, long maxVolumeSize, String source) {
    /** Runs closer together than this would mostly write empty bundles; refused as a likely unit mistake. */
    public static final Duration MIN_EVERY = Duration.ofMinutes(1);

    public BundleSync {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(set, "set");
    }

    /** An item of {@code bundles.sync} as the file writes it. */
    record Yaml(
            String site,
            String to,
            String every,
            String set,
            @JsonProperty("max-volume-size") String maxVolumeSize,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** The list's items, checked; relative paths are against the file's directory. */
    static List<BundleSync> fromYaml(List<Located<Yaml>> items, Path file) throws ConfigException {
        List<BundleSync> out = new ArrayList<>();
        Set<String> sites = new HashSet<>();
        for (Located<Yaml> item : items) {
            BundleSync s = fromYaml(item, file);
            if (!sites.add(s.site())) {
                throw new ConfigException(s.source() + ": bundles.sync has site \"" + s.site() + "\" twice (the history"
                        + " of what went to a site is kept per site)");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private static BundleSync fromYaml(Located<Yaml> item, Path file) throws ConfigException {
        String at = ConfigFile.where(file, item.line());
        Yaml y = item.value();
        if (y == null) {
            throw new ConfigException(at + ": each item of bundles.sync must be a mapping {site, to, every, set?,"
                    + " max-volume-size?}");
        }
        ConfigFile.refuseUnknown(y.unknown(), "bundles.sync", Yaml.class, file);
        String site = required(y.site(), "site", at);
        String to = required(y.to(), "to", at);
        String everyText = required(y.every(), "every", at);
        if (!site.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigException(
                    at + ": invalid bundles.sync site \"" + site + "\": letters, digits, '.', '_' and '-'");
        }
        Duration every;
        try {
            every = Durations.parse(everyText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    at + ": invalid bundles.sync every \"" + everyText + "\" for site " + site + ": " + e.getMessage());
        }
        if (every.compareTo(MIN_EVERY) < 0) {
            throw new ConfigException(at + ": invalid bundles.sync every \"" + everyText + "\" for site " + site
                    + ": must be at least " + Durations.format(MIN_EVERY));
        }
        long maxVolume = ExportRequest.DEFAULT_MAX_VOLUME_SIZE;
        String maxText = strip(y.maxVolumeSize());
        if (maxText != null) {
            try {
                maxVolume = ByteRates.parse(maxText);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new ConfigException(at + ": invalid bundles.sync max-volume-size \"" + maxText + "\" for site "
                        + site + ": " + e.getMessage());
            }
            if (maxVolume < ExportRequest.MIN_MAX_VOLUME_SIZE) {
                throw new ConfigException(at + ": invalid bundles.sync max-volume-size \"" + maxText + "\" for site "
                        + site + ": must be at least 2MiB");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        Path dir = resolve(base, to, at, "to");
        String setText = strip(y.set());
        Optional<Path> set = setText != null ? Optional.of(resolve(base, setText, at, "set")) : Optional.empty();
        if (set.isPresent()) {
            // Checked now so a typo stops the start; read again at every run, so edits apply without a restart.
            try {
                MirrorSet.Parsed parsed = MirrorSet.parse(set.get().toString(), Files.readAllBytes(set.get()));
                if (!parsed.errors().isEmpty()) {
                    throw new ConfigException(at + ": bundles.sync set " + set.get() + " for site " + site
                            + " has errors: "
                            + parsed.errors().stream().map(Object::toString).collect(Collectors.joining("; ")));
                }
            } catch (IOException e) {
                throw new ConfigException(at + ": cannot read bundles.sync set " + set.get() + " for site " + site
                        + ": " + e.getMessage());
            }
        }
        return new BundleSync(site, dir, every, set, maxVolume, at);
    }

    private static String required(String text, String key, String at) throws ConfigException {
        if (text == null || text.isBlank()) {
            throw new ConfigException(at + ": bundles.sync item without " + key
                    + " (want site, to, every; optional set, max-volume-size)");
        }
        return text.strip();
    }

    private static String strip(String text) {
        return text == null ? null : text.strip();
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
