package dev.ferry.sync;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    private static final YAMLFactory YAML = new YAMLFactory();

    /** Parses YAML text; bad rules are reported by line and left out, the others kept. */
    public static Parsed parse(String fileName, byte[] yaml) {
        List<PlanError> errors = new ArrayList<>();
        Node root;
        try (JsonParser p = YAML.createParser(new String(yaml, StandardCharsets.UTF_8))) {
            JsonToken t = p.nextToken();
            root = t == null ? new Node(null, 1) : read(p);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            errors.add(new PlanError(fileName, line, "not valid YAML: " + e.getOriginalMessage()));
            return new Parsed(new MirrorSet(fileName, null, List.of(), List.of()), errors);
        } catch (IOException e) {
            errors.add(new PlanError(fileName, 0, "cannot read: " + e.getMessage()));
            return new Parsed(new MirrorSet(fileName, null, List.of(), List.of()), errors);
        }
        if (root.value == null) {
            return new Parsed(new MirrorSet(fileName, null, List.of(), List.of()), errors);
        }
        Map<String, Node> top = root.map(fileName, "the document", errors);
        if (top == null) {
            return new Parsed(new MirrorSet(fileName, null, List.of(), List.of()), errors);
        }
        String name = fileName;
        Duration refresh = null;
        List<ModuleRule> modules = new ArrayList<>();
        List<ImageRule> images = new ArrayList<>();
        for (Map.Entry<String, Node> e : top.entrySet()) {
            Node n = e.getValue();
            switch (e.getKey()) {
                case "name" -> {
                    String s = n.string(fileName, "name", errors);
                    if (s != null) {
                        name = s;
                    }
                }
                case "refresh" -> {
                    String s = n.string(fileName, "refresh", errors);
                    if (s != null) {
                        try {
                            refresh = duration(s);
                        } catch (FormatException ex) {
                            errors.add(new PlanError(fileName, n.line, ex.getMessage()));
                        }
                    }
                }
                case "modules" -> {
                    List<Node> list = n.list(fileName, "modules", errors);
                    for (Node item : list == null ? List.<Node>of() : list) {
                        ModuleRule r = moduleRule(fileName, item, errors);
                        if (r != null) {
                            modules.add(r);
                        }
                    }
                }
                case "images" -> {
                    List<Node> list = n.list(fileName, "images", errors);
                    for (Node item : list == null ? List.<Node>of() : list) {
                        ImageRule r = imageRule(fileName, item, errors);
                        if (r != null) {
                            images.add(r);
                        }
                    }
                }
                default -> errors.add(new PlanError(fileName, n.keyLine, "unknown key " + FormatException.quote(
                        e.getKey()) + " (want name, refresh, modules, images)"));
            }
        }
        errors.sort(java.util.Comparator.comparingInt(PlanError::line));
        return new Parsed(new MirrorSet(name, refresh, modules, images), errors);
    }

    private static ModuleRule moduleRule(String file, Node item, List<PlanError> errors) {
        Map<String, Node> m = item.map(file, "a module rule", errors);
        if (m == null) {
            return null;
        }
        int before = errors.size();
        unknownKeys(file, m, List.of("path", "versions"), errors);
        String path = required(file, m, "path", item.line, errors);
        String versions = m.containsKey("versions") ? m.get("versions").string(file, "versions", errors) : "latest";
        if (path != null) {
            try {
                if (path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0) {
                    PrivatePatterns.parse(path);
                } else {
                    ModulePath.parse(path);
                }
            } catch (FormatException e) {
                errors.add(new PlanError(file, m.get("path").line, e.getMessage()));
            }
        }
        if (versions != null && !validVersions(versions)) {
            errors.add(new PlanError(file, m.get("versions").line, "invalid versions " + FormatException.quote(versions)
                    + " (want latest, all, >=vX.Y.Z, vX, vX.Y or vX.Y.Z)"));
        }
        return errors.size() == before && path != null && versions != null ? new ModuleRule(path, versions, item.line)
                : null;
    }

    private static boolean validVersions(String v) {
        if (v.equals("latest") || v.equals("all")) {
            return true;
        }
        String s = v.startsWith(">=") ? v.substring(2).strip() : v;
        return Version.isValid(s) && !Version.parse(s).isPrerelease() || v.startsWith(">=") && Version.isValid(s);
    }

    private static ImageRule imageRule(String file, Node item, List<PlanError> errors) {
        Map<String, Node> m = item.map(file, "an image rule", errors);
        if (m == null) {
            return null;
        }
        int before = errors.size();
        unknownKeys(file, m, List.of("repository", "tags", "semver", "platforms"), errors);
        String repo = required(file, m, "repository", item.line, errors);
        if (repo != null) {
            try {
                ImageRef r = ImageRef.parse(repo);
                if (!r.toString().equals(repo + ":latest")) {
                    errors.add(new PlanError(file, m.get("repository").line, "repository " + FormatException.quote(repo)
                            + " must not name a tag or digest (use tags or semver)"));
                }
            } catch (FormatException e) {
                errors.add(new PlanError(file, m.get("repository").line, e.getMessage()));
            }
        }
        Pattern tags = null;
        if (m.containsKey("tags")) {
            String s = m.get("tags").string(file, "tags", errors);
            if (s != null) {
                try {
                    tags = Pattern.compile(s);
                } catch (PatternSyntaxException e) {
                    errors.add(new PlanError(file, m.get("tags").line, "invalid tag pattern: " + e.getDescription()));
                }
            }
        }
        String semver = null;
        if (m.containsKey("semver")) {
            semver = m.get("semver").string(file, "semver", errors);
            if (semver != null) {
                try {
                    matchesSemver(semver, "1.0.0");
                } catch (FormatException e) {
                    errors.add(new PlanError(file, m.get("semver").line, e.getMessage()));
                }
            }
            if (tags != null) {
                errors.add(new PlanError(file, m.get("semver").line, "use tags or semver, not both"));
            }
        }
        Platforms platforms = Platforms.DEFAULT;
        if (m.containsKey("platforms")) {
            Node pn = m.get("platforms");
            String text = null;
            if (pn.value instanceof List<?>) {
                List<String> parts = new ArrayList<>();
                for (Node x : pn.list(file, "platforms", errors)) {
                    String s = x.string(file, "a platform", errors);
                    if (s != null) {
                        parts.add(s);
                    }
                }
                text = String.join(",", parts);
            } else {
                text = pn.string(file, "platforms", errors);
            }
            if (text != null) {
                try {
                    platforms = Platforms.parse(text);
                } catch (FormatException e) {
                    errors.add(new PlanError(file, pn.line, e.getMessage()));
                }
            }
        }
        return errors.size() == before ? new ImageRule(repo, tags, semver, platforms, item.line) : null;
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
            d = d.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new FormatException("invalid refresh interval " + FormatException.quote(s)
                    + " (want e.g. 30m, 6h, 1d, 1h30m)");
        }
        return positive(d, s);
    }

    private static Duration positive(Duration d, String s) {
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new FormatException("refresh interval " + FormatException.quote(s) + " is shorter than a minute");
        }
        return d;
    }

    private static void unknownKeys(String file, Map<String, Node> m, List<String> known, List<PlanError> errors) {
        for (Map.Entry<String, Node> e : m.entrySet()) {
            if (!known.contains(e.getKey())) {
                errors.add(new PlanError(file, e.getValue().keyLine, "unknown key " + FormatException.quote(e.getKey())
                        + " (want " + String.join(", ", known) + ")"));
            }
        }
    }

    private static String required(String file, Map<String, Node> m, String key, int line, List<PlanError> errors) {
        Node n = m.get(key);
        if (n == null) {
            errors.add(new PlanError(file, line, "missing " + key));
            return null;
        }
        return n.string(file, key, errors);
    }

    /** A YAML value with the line it starts on (and, for a mapping value, its key's line). */
    private static final class Node {
        final Object value; // Map<String, Node>, List<Node>, String, or null
        final int line;
        int keyLine;

        Node(Object value, int line) {
            this.value = value;
            this.line = line;
            this.keyLine = line;
        }

        @SuppressWarnings("unchecked")
        Map<String, Node> map(String file, String what, List<PlanError> errors) {
            if (value instanceof Map<?, ?> m) {
                return (Map<String, Node>) m;
            }
            errors.add(new PlanError(file, line, what + " must be a mapping"));
            return null;
        }

        @SuppressWarnings("unchecked")
        List<Node> list(String file, String what, List<PlanError> errors) {
            if (value instanceof List<?> l) {
                return (List<Node>) l;
            }
            errors.add(new PlanError(file, line, what + " must be a list"));
            return null;
        }

        String string(String file, String what, List<PlanError> errors) {
            if (value instanceof String s && !s.isEmpty()) {
                return s;
            }
            errors.add(new PlanError(file, line, what + " must be a non-empty string"));
            return null;
        }
    }

    /** Reads the value at the current token (already consumed by nextToken) into a Node. */
    private static Node read(JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Node> m = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                Node v = read(p);
                v.keyLine = keyLine;
                if (m.containsKey(key)) {
                    throw new com.fasterxml.jackson.core.JsonParseException(p, "duplicate key \"" + key + "\"",
                            p.currentTokenLocation());
                }
                m.put(key, v);
            }
            return new Node(m, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> l = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                l.add(read(p));
            }
            return new Node(l, line);
        }
        if (t == JsonToken.VALUE_NULL) {
            return new Node(null, line);
        }
        return new Node(p.getText(), line);
    }
}
