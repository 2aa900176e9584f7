package dev.ferry.sync;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.protocols.yaml.Yaml;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A declarative set of modules and images to keep mirrored (format: docs/mirror-sets.md). Parse with
 * {@link #parse}; turn into a {@link Plan} with {@link MirrorSetPlanner}.
 *
 * @param name    the set's name (the file name when the file has none)
 * @param refresh how often a registered set is planned and run again, or null for never
 */
public record MirrorSet(String name, Duration refresh, List<ModuleRule> modules, List<ImageRule> images) {

    public MirrorSet {
        Objects.requireNonNull(name, "name");
        modules = List.copyOf(modules);
        images = List.copyOf(images);
    }

    /**
     * {@code path} is a module path or a glob (GOPRIVATE syntax, see {@link PrivatePatterns}); {@code versions}
     * is latest, all, {@code >=vX.Y.Z}, an exact version, or vX / vX.Y. {@code line} is where the rule starts.
     */
    public record ModuleRule(String path, String versions, int line) {
        public boolean isGlob() {
            return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0;
        }
    }

    /**
     * {@code repository} is {@code [registry/]repository} without tag; tags are chosen by {@code tagPattern} (a
     * regular expression the whole tag must match), by {@code semver} (a range, see {@link #matchesSemver}), or,
     * with neither, the single tag {@code latest}.
     */
    public record ImageRule(String repository, Pattern tagPattern, String semver, Platforms platforms, int line) {}

    /** The outcome of parsing: the set (with the rules that parsed) and every error by line. */
    public record Parsed(MirrorSet set, List<PlanError> errors) {}

    /** The file as YAML gives it (docs/mirror-sets.md); {@link #parse} checks each part, so a bad rule costs only itself. */
    private record SetYaml(
            Located<String> name,
            Located<String> refresh,
            Located<List<Located<ModuleYaml>>> modules,
            Located<List<Located<ImageYaml>>> images,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    private record ModuleYaml(
            Located<String> path,
            Located<String> versions,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    private record ImageYaml(
            Located<String> repository,
            Located<String> tags,
            Located<String> semver,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            Located<List<Located<String>>> platforms,

            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** Parses YAML text; bad rules are reported by line and left out, the others kept. */
    public static Parsed parse(String fileName, byte[] yaml) {
        Located<SetYaml> doc;
        try {
            doc = Yaml.readLenient(new String(yaml, StandardCharsets.UTF_8), new TypeReference<>() {});
        } catch (JsonProcessingException e) {
            return new Parsed(
                    new MirrorSet(fileName, null, List.of(), List.of()),
                    List.of(new PlanError(fileName, Yaml.line(e), "not valid YAML: " + e.getOriginalMessage())));
        }
        List<PlanError> errors = new ArrayList<>();
        SetYaml set = doc == null ? null : mapping(fileName, doc, "the document", errors);
        if (set == null) {
            return new Parsed(new MirrorSet(fileName, null, List.of(), List.of()), errors);
        }
        unknownKeys(fileName, set.unknown(), SetYaml.class, errors);
        String name = set.name() == null ? null : string(fileName, set.name(), "name", errors);
        Duration refresh = null;
        String refreshText = set.refresh() == null ? null : string(fileName, set.refresh(), "refresh", errors);
        if (refreshText != null) {
            try {
                refresh = duration(refreshText);
            } catch (FormatException e) {
                errors.add(new PlanError(fileName, set.refresh().line(), e.getMessage()));
            }
        }
        List<ModuleRule> modules = new ArrayList<>();
        for (Located<ModuleYaml> item : list(fileName, set.modules(), "modules", errors)) {
            ModuleRule r = moduleRule(fileName, item, errors);
            if (r != null) {
                modules.add(r);
            }
        }
        List<ImageRule> images = new ArrayList<>();
        for (Located<ImageYaml> item : list(fileName, set.images(), "images", errors)) {
            ImageRule r = imageRule(fileName, item, errors);
            if (r != null) {
                images.add(r);
            }
        }
        errors.sort(java.util.Comparator.comparingInt(PlanError::line));
        return new Parsed(new MirrorSet(name == null ? fileName : name, refresh, modules, images), errors);
    }

    private static ModuleRule moduleRule(String file, Located<ModuleYaml> item, List<PlanError> errors) {
        ModuleYaml m = mapping(file, item, "a module rule", errors);
        if (m == null) {
            return null;
        }
        int before = errors.size();
        unknownKeys(file, m.unknown(), ModuleYaml.class, errors);
        String path = required(file, m.path(), "path", item.line(), errors);
        String versions = m.versions() == null ? "latest" : string(file, m.versions(), "versions", errors);
        if (path != null) {
            try {
                if (path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0) {
                    PrivatePatterns.parse(path);
                } else {
                    ModulePath.parse(path);
                }
            } catch (FormatException e) {
                errors.add(new PlanError(file, m.path().line(), e.getMessage()));
            }
        }
        if (versions != null && !validVersions(versions)) {
            errors.add(new PlanError(
                    file,
                    m.versions().line(),
                    "invalid versions " + FormatException.quote(versions)
                            + " (want latest, all, >=vX.Y.Z, vX, vX.Y or vX.Y.Z)"));
        }
        return errors.size() == before && path != null && versions != null
                ? new ModuleRule(path, versions, item.line())
                : null;
    }

    private static boolean validVersions(String v) {
        if (v.equals("latest") || v.equals("all")) {
            return true;
        }
        String s = v.startsWith(">=") ? v.substring(2).strip() : v;
        // A canonical pre-release is an exact version (v1.2.0-rc.1, a toolchain's v0.0.1-go1.22.4.linux-amd64); only
        // the vX / vX.Y prefixes must be releases.
        return Version.isValid(s)
                        && (!Version.parse(s).isPrerelease() || Version.parse(s).isCanonical())
                || v.startsWith(">=") && Version.isValid(s);
    }

    private static ImageRule imageRule(String file, Located<ImageYaml> item, List<PlanError> errors) {
        ImageYaml m = mapping(file, item, "an image rule", errors);
        if (m == null) {
            return null;
        }
        int before = errors.size();
        unknownKeys(file, m.unknown(), ImageYaml.class, errors);
        String repo = required(file, m.repository(), "repository", item.line(), errors);
        if (repo != null) {
            try {
                ImageRef r = ImageRef.parse(repo);
                if (!r.toString().equals(repo + ":latest")) {
                    errors.add(new PlanError(
                            file,
                            m.repository().line(),
                            "repository " + FormatException.quote(repo)
                                    + " must not name a tag or digest (use tags or semver)"));
                }
            } catch (FormatException e) {
                errors.add(new PlanError(file, m.repository().line(), e.getMessage()));
            }
        }
        Pattern tags = null;
        String tagText = m.tags() == null ? null : string(file, m.tags(), "tags", errors);
        if (tagText != null) {
            try {
                tags = Pattern.compile(tagText);
            } catch (PatternSyntaxException e) {
                errors.add(new PlanError(file, m.tags().line(), "invalid tag pattern: " + e.getDescription()));
            }
        }
        String semver = null;
        if (m.semver() != null) {
            semver = string(file, m.semver(), "semver", errors);
            if (semver != null) {
                try {
                    matchesSemver(semver, "1.0.0");
                } catch (FormatException e) {
                    errors.add(new PlanError(file, m.semver().line(), e.getMessage()));
                }
            }
            if (tags != null) {
                errors.add(new PlanError(file, m.semver().line(), "use tags or semver, not both"));
            }
        }
        Platforms platforms = Platforms.DEFAULT;
        if (m.platforms() != null) {
            // a list, or one string (which may itself be comma-separated)
            List<String> parts = new ArrayList<>();
            if (m.platforms().value() == null) {
                errors.add(new PlanError(file, m.platforms().line(), "platforms must be a non-empty string or a list"));
            } else {
                for (Located<String> p : m.platforms().value()) {
                    String s = p == null ? null : string(file, p, "a platform", errors);
                    if (s != null) {
                        parts.add(s);
                    }
                }
            }
            if (m.platforms().value() != null
                    && parts.size() == m.platforms().value().size()) {
                try {
                    platforms = Platforms.parse(String.join(",", parts));
                } catch (FormatException e) {
                    errors.add(new PlanError(file, m.platforms().line(), e.getMessage()));
                }
            }
        }
        return errors.size() == before ? new ImageRule(repo, tags, semver, platforms, item.line()) : null;
    }

    private static final Pattern COMPARATOR = Pattern.compile("(>=|<=|>|<|=)?\\s*v?([0-9][0-9A-Za-z.+-]*)");

    /**
     * Whether {@code tag} (with or without a leading v; shorthands 1 and 1.2 allowed) satisfies a range of
     * space-separated comparators, all of which must hold: {@code >=1.2.0 <2}, {@code =1.25.3}. Tags that are not
     * versions never match. Throws FormatException when the range does not parse.
     */
    public static boolean matchesSemver(String range, String tag) {
        String[] parts = range.strip().split("\\s+");
        boolean ok = true;
        Version t = tagVersion(tag);
        for (String part : parts) {
            Matcher m = COMPARATOR.matcher(part);
            if (!m.matches() || !Version.isValid("v" + m.group(2))) {
                throw new FormatException("invalid semver range " + FormatException.quote(range)
                        + " (want comparators such as >=1.2.0 <2)");
            }
            if (t == null) {
                ok = false;
                continue;
            }
            int c = t.compareTo(Version.parse("v" + m.group(2)));
            String op = m.group(1) == null ? "=" : m.group(1);
            ok &= switch (op) {
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case "<" -> c < 0;
                default -> c == 0;
            };
        }
        return ok;
    }

    private static Version tagVersion(String tag) {
        String s = tag.startsWith("v") ? tag : "v" + tag;
        return Version.isValid(s) ? Version.parse(s) : null;
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(d|h|m|s)");

    /** "30m", "6h", "1d", "1h30m", or ISO-8601 ("PT6H"). */
    static Duration duration(String s) {
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return positive(Duration.parse(s), s);
            } catch (java.time.format.DateTimeParseException e) {
                throw new FormatException("invalid refresh interval " + FormatException.quote(s));
            }
        }
        Matcher m = DURATION.matcher(s);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(
                    switch (m.group(2)) {
                        case "d" -> Duration.ofDays(n);
                        case "h" -> Duration.ofHours(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofSeconds(n);
                    });
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new FormatException(
                    "invalid refresh interval " + FormatException.quote(s) + " (want e.g. 30m, 6h, 1d, 1h30m)");
        }
        return positive(d, s);
    }

    private static Duration positive(Duration d, String s) {
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new FormatException("refresh interval " + FormatException.quote(s) + " is shorter than a minute");
        }
        return d;
    }

    private static void unknownKeys(
            String file, Map<String, Located<Object>> unknown, Class<? extends Record> shape, List<PlanError> errors) {
        List<String> known = Yaml.keys(shape);
        for (Map.Entry<String, Located<Object>> e :
                unknown == null ? List.<Map.Entry<String, Located<Object>>>of() : unknown.entrySet()) {
            errors.add(new PlanError(
                    file,
                    e.getValue().line(),
                    "unknown key " + FormatException.quote(e.getKey()) + " (want " + String.join(", ", known) + ")"));
        }
    }

    private static String required(String file, Located<String> value, String key, int line, List<PlanError> errors) {
        if (value == null) {
            errors.add(new PlanError(file, line, "missing " + key));
            return null;
        }
        return string(file, value, key, errors);
    }

    /** A value bound as null had the wrong shape (see {@link Yaml#readLenient}) or was given as ~. */
    private static <T> T mapping(String file, Located<T> value, String what, List<PlanError> errors) {
        if (value.value() == null) {
            errors.add(new PlanError(file, value.line(), what + " must be a mapping"));
        }
        return value.value();
    }

    private static <T> List<T> list(String file, Located<List<T>> value, String what, List<PlanError> errors) {
        if (value == null) {
            return List.of();
        }
        if (value.value() == null) {
            errors.add(new PlanError(file, value.line(), what + " must be a list"));
            return List.of();
        }
        return value.value();
    }

    private static String string(String file, Located<String> value, String what, List<PlanError> errors) {
        if (value.value() == null || value.value().isEmpty()) {
            errors.add(new PlanError(file, value.line(), what + " must be a non-empty string"));
            return null;
        }
        return value.value();
    }
}
