package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Descriptor;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.admin.api.AuditPage;
import dev.ferry.server.admin.api.EffectiveSettings;
import dev.ferry.server.admin.api.ManifestView;
import dev.ferry.server.admin.api.ModulePage;
import dev.ferry.server.admin.api.PinSetPage;
import dev.ferry.server.admin.api.PinSets;
import dev.ferry.server.admin.api.RepositoryPage;
import dev.ferry.server.admin.api.SigningKeyInfo;
import dev.ferry.server.admin.api.TagPage;
import dev.ferry.server.admin.api.VersionPage;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the web console browses, read from the store page by page: a page starts where the previous one ended (a
 * seek, not a walk from the start), so a store of 100,000 module versions answers as fast as a small one. Only
 * reads; sizes and pins are looked up without counting as uses ({@link ContentStore#peek}), so browsing does not
 * keep content from eviction.
 */
public final class ConsoleApi {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    /** Keys visited at most for one page of a glob search before it answers with what it found and a cursor. */
    static final int SCAN_BUDGET = 200_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOSTED = "hosted";

    private final ContentStore store;
    private final PrivatePatterns privates;
    private final Duration tagTtl;
    private final List<String> registries;
    private final boolean hosted;
    private final Path auditFile;
    private final Clock clock;
    private SigningKey signingKey;
    private Map<Setting, ConfigLoader.Sourced> settings = Map.of();

    public ConsoleApi(
            ContentStore store,
            PrivatePatterns privates,
            Duration tagTtl,
            List<String> registries,
            boolean hosted,
            Path auditFile,
            Clock clock) {
        this.store = store;
        this.privates = privates;
        this.tagTtl = tagTtl;
        this.registries = List.copyOf(registries);
        this.hosted = hosted;
        this.auditFile = auditFile;
        this.clock = clock;
    }

    static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text.strip());
            if (n < 1 || n > MAX_LIMIT) {
                throw ApiException.badRequest("limit must be 1 to " + MAX_LIMIT + ": " + text);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number: " + text);
        }
    }

    // ---- Go modules

    /** The {@code !}-case-encoding of a path or a prefix of one (what store keys hold). */
    static String escape(String path) {
        StringBuilder b = new StringBuilder(path.length() + 4);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                b.append('!').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code *} any run of characters, {@code ?} one; the rest literal. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    public ModulePage modules(String query, String after, String limitText) {
        int limit = limit(limitText);
        String q = query == null ? "" : query.strip();
        if (q.length() > ModulePath.MAX_LENGTH) {
            throw ApiException.badRequest("query longer than " + ModulePath.MAX_LENGTH + " characters");
        }
        int wildcard = firstWildcard(q);
        String literal = wildcard < 0 ? q : q.substring(0, wildcard);
        Pattern glob = wildcard < 0 ? null : glob(q);
        String prefix = GoStoreNames.ROOT + escape(literal);
        // After a module, skip its versions: "/@v/" then a character above any in a version.
        String from = after == null || after.isEmpty() ? prefix : GoStoreNames.ROOT + escape(after) + "/@v/\uffff";
        List<ModulePage.Module> out = new ArrayList<>();
        String[] current = {null};
        int[] versions = {0};
        int[] visited = {0};
        String[] next = {null};
        store.scanMeta(prefix, from, (key, value) -> {
            if (++visited[0] > SCAN_BUDGET && out.size() > 0) {
                next[0] = out.get(out.size() - 1).path();
                return false;
            }
            var record = GoStoreNames.parseVersionRecord(key);
            if (record.isEmpty()) {
                return true;
            }
            String escaped = record.get().escapedModule();
            if (!escaped.equals(current[0])) {
                if (current[0] != null) {
                    emit(out, current[0], versions[0], glob);
                }
                if (out.size() == limit) {
                    next[0] = out.get(out.size() - 1).path();
                    return false;
                }
                current[0] = escaped;
                versions[0] = 0;
            }
            versions[0]++;
            return true;
        });
        if (next[0] == null && current[0] != null) {
            emit(out, current[0], versions[0], glob);
        }
        return new ModulePage(q, out, next[0]);
    }

    private static int firstWildcard(String q) {
        int star = q.indexOf('*');
        int mark = q.indexOf('?');
        return star < 0 ? mark : mark < 0 ? star : Math.min(star, mark);
    }

    private void emit(List<ModulePage.Module> out, String escaped, int versions, Pattern glob) {
        ModulePath module;
        try {
            module = ModulePath.unescape(escaped);
        } catch (RuntimeException e) {
            return; // not a module's key
        }
        if (glob == null || glob.matcher(module.value()).matches()) {
            out.add(new ModulePage.Module(module.value(), versions, privates.matches(module)));
        }
    }

    public VersionPage versions(String modulePath, String after, String limitText) {
        int limit = limit(limitText);
        if (modulePath == null || modulePath.isBlank()) {
            throw ApiException.badRequest("module is required");
        }
        ModulePath module;
        try {
            module = ModulePath.parse(modulePath.strip());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid module path: " + e.getMessage());
        }
        boolean isPrivate = privates.matches(module);
        String prefix = GoStoreNames.versionPrefix(module);
        String from = after == null || after.isEmpty() ? prefix : prefix + after + "\u0000";
        List<VersionPage.ModuleVersion> out = new ArrayList<>();
        String[] next = {null};
        store.scanMeta(prefix, from, (key, value) -> {
            if (out.size() == limit) {
                next[0] = out.get(out.size() - 1).version();
                return false;
            }
            String version = key.substring(prefix.length());
            out.add(version(module, version, value, isPrivate));
            return true;
        });
        if (out.isEmpty() && (after == null || after.isEmpty())) {
            throw ApiException.notFound("no stored version of " + module.value());
        }
        return new VersionPage(module.value(), isPrivate, out, next[0]);
    }

    private VersionPage.ModuleVersion version(ModulePath module, String version, byte[] record, boolean isPrivate) {
        List<VersionPage.ModuleFile> files = new ArrayList<>();
        Set<String> pins = new TreeSet<>();
        String stored = null;
        String upstream = null;
        long bytes = 0;
        long lastUsed = -1;
        boolean hashed = false;
        for (String line : new String(record, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 4) {
                continue;
            }
            Sha256 digest;
            try {
                digest = Sha256.ofHex(f[1]);
            } catch (RuntimeException e) {
                continue;
            }
            String h1 = f.length >= 5 && f[4].startsWith("h1:") ? f[4] : null;
            hashed |= h1 != null;
            long size = store.peek(digest).map(StoredObject::size).orElse(-1L);
            if (size > 0) {
                bytes += size;
            }
            pins.addAll(store.pinSetsOf(digest));
            lastUsed = Math.max(lastUsed, store.lastUsedMinute(digest).orElse(-1L));
            if (stored == null || f[2].compareTo(stored) < 0) {
                stored = f[2];
                upstream = f[3];
            }
            files.add(new VersionPage.ModuleFile(
                    f[0], "sha256:" + f[1], size, h1, "/" + module.escaped() + "/@v/" + version + "." + f[0]));
        }
        String checkedBy = isPrivate ? "private" : hashed ? "sumdb" : "none";
        return new VersionPage.ModuleVersion(
                version,
                stored,
                upstream,
                checkedBy,
                bytes,
                lastUsed < 0 ? null : Instant.ofEpochSecond(lastUsed * 60).toString(),
                List.copyOf(pins),
                files);
    }

    // ---- images

    private Target target(String registry) {
        if (registry == null || registry.isBlank()) {
            throw ApiException.badRequest("registry is required (a configured registry's name, or hosted)");
        }
        if (registry.equals(HOSTED)) {
            return Target.HOSTED;
        }
        if (!registries.contains(registry)) {
            throw ApiException.notFound("no registry " + registry + " is configured");
        }
        return Target.mirror(registry);
    }

    private static RepositoryName repository(String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("repository is required");
        }
        try {
            return RepositoryName.parse(name.strip());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid repository name: " + e.getMessage());
        }
    }

    public RepositoryPage repositories(String query, String after, String limitText) {
        int limit = limit(limitText);
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        List<RepositoryPage.Repository> out = new ArrayList<>();
        String[] next = {null};
        String prefix = OciStoreNames.repositoriesPrefix();
        String from = after == null || after.isEmpty() ? prefix : after + "\u0000";
        int[] visited = {0};
        String[] last = {null};
        store.scanMeta(prefix, from, (key, value) -> {
            if (out.size() == limit || (++visited[0] > SCAN_BUDGET && !out.isEmpty())) {
                next[0] = last[0];
                return false;
            }
            last[0] = key;
            OciStoreNames.parseRepository(key).ifPresent(r -> {
                String name = r.repository().toString();
                if (name.contains(q)) {
                    out.add(new RepositoryPage.Repository(r.target().registry().orElse(HOSTED), name));
                }
            });
            return true;
        });
        List<String> names = new ArrayList<>(registries);
        if (hosted) {
            names.add(HOSTED);
        }
        return new RepositoryPage(q, names, out, next[0]);
    }

    public TagPage tags(String registry, String repositoryName, String query, String after, String limitText) {
        int limit = limit(limitText);
        Target target = target(registry);
        RepositoryName repository = repository(repositoryName);
        String q = query == null ? "" : query.strip();
        String prefix = OciStoreNames.tagPrefix(target, repository);
        String from = after == null || after.isEmpty() ? prefix + q : prefix + after + "\u0000";
        Instant now = clock.instant();
        List<TagPage.TagEntry> out = new ArrayList<>();
        String[] next = {null};
        store.scanMeta(prefix + q, from, (key, value) -> {
            if (out.size() == limit) {
                next[0] = out.get(out.size() - 1).tag();
                return false;
            }
            try {
                OciStoreNames.TagRecord t = OciStoreNames.TagRecord.decode(value);
                boolean stale = !target.equals(Target.HOSTED)
                        && t.resolvedAt().plus(tagTtl).isBefore(now);
                out.add(new TagPage.TagEntry(
                        key.substring(prefix.length()),
                        t.digest().toString(),
                        t.mediaType(),
                        t.size(),
                        t.resolvedAt().toString(),
                        t.source(),
                        stale));
            } catch (RuntimeException e) {
                // a record this version cannot read: left out rather than failing the page
            }
            return true;
        });
        return new TagPage(registry, repository.toString(), out, next[0]);
    }

    public ManifestView manifest(String registry, String repositoryName, String digestText) {
        Target target = target(registry);
        RepositoryName repository = repository(repositoryName);
        Digest digest;
        try {
            digest = Digest.parse(digestText == null ? "" : digestText.strip());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid digest: " + e.getMessage());
        }
        String mediaType = store.meta(OciStoreNames.manifestType(digest))
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> ApiException.notFound("no stored manifest " + digest));
        Optional<Sha256> object = objectOf(digest);
        if (object.isEmpty()) {
            throw ApiException.notFound("no stored manifest " + digest);
        }
        byte[] bytes;
        long size = store.peek(object.get()).map(StoredObject::size).orElse(0L);
        try (InputStream in = store.read(object.get(), 0, size)) {
            bytes = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw ApiException.notFound("cannot read manifest " + digest + ": " + e.getMessage());
        }
        Manifest m;
        try {
            m = Manifest.parse(bytes, mediaType);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("stored manifest " + digest + " does not parse: " + e.getMessage());
        }
        long[] total = {size};
        List<ManifestView.Item> manifests =
                m.manifests().stream().map(d -> item(d, total)).toList();
        ManifestView.Item config = m.config() == null ? null : item(m.config(), total);
        List<ManifestView.Item> layers =
                m.layers().stream().map(d -> item(d, total)).toList();
        return new ManifestView(
                registry,
                repository.toString(),
                digest.toString(),
                m.mediaType(),
                size,
                total[0],
                manifests,
                config,
                layers,
                referrers(target, repository, digest));
    }

    private List<ManifestView.Item> referrers(Target target, RepositoryName repository, Digest subject) {
        List<ManifestView.Item> out = new ArrayList<>();
        store.scanMeta(OciStoreNames.referrerPrefix(target, repository, subject), (key, value) -> {
            try {
                JsonNode d = JSON.readTree(value);
                Digest digest = Digest.parse(d.path("digest").asText());
                out.add(new ManifestView.Item(
                        digest.toString(),
                        d.path("mediaType").asText(null),
                        d.path("size").asLong(),
                        null,
                        d.path("artifactType").asText(null),
                        objectOf(digest).isPresent()));
            } catch (IOException | RuntimeException e) {
                // not a descriptor: left out
            }
            return out.size() < MAX_LIMIT;
        });
        return out;
    }

    private ManifestView.Item item(Descriptor d, long[] total) {
        boolean stored = objectOf(d.digest()).isPresent();
        if (stored && d.platform() == null) {
            total[0] += d.size();
        }
        return new ManifestView.Item(
                d.digest().toString(),
                d.mediaType(),
                d.size(),
                d.platform() == null ? null : d.platform().toString(),
                d.artifactType(),
                stored);
    }

    /** The store object a blob name points at, read without a use. */
    private Optional<Sha256> objectOf(Digest digest) {
        String name = OciStoreNames.blob(digest);
        Sha256[] found = {null};
        store.scanNames(name, (n, object) -> {
            if (n.equals(name)) {
                found[0] = object;
            }
            return false;
        });
        return Optional.ofNullable(found[0]);
    }

    // ---- audit

    /** How much of the audit log is read at a time, from its end backwards. */
    static final int AUDIT_BLOCK = 64 * 1024;

    /**
     * A page of the audit log, newest first, read from the end of the file backwards, so the first pages cost the
     * same however long the log is. {@code after} is a byte offset (where the previous page stopped); lines are in
     * time order, so a {@code since} stops the reading once it is passed.
     */
    public AuditPage audit(
            String since, String until, String action, String result, String who, String after, String limitText) {
        int limit = limit(limitText);
        Instant from = instant("since", since);
        Instant to = instant("until", until);
        if (result != null
                && !result.isBlank()
                && !Set.of("ok", "refused", "failed").contains(result)) {
            throw ApiException.badRequest("result must be ok, refused or failed: " + result);
        }
        long end;
        try {
            end = after == null || after.isBlank() ? Long.MAX_VALUE : Long.parseLong(after.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after must be a number: " + after);
        }
        AuditFilter filter = new AuditFilter(from, to, blankToNull(action), blankToNull(result), blankToNull(who));
        List<AuditPage.Entry> out = new ArrayList<>();
        long next;
        try (FileChannel ch = FileChannel.open(auditFile, StandardOpenOption.READ)) {
            next = readBackwards(ch, Math.min(end, ch.size()), filter, limit, out);
        } catch (NoSuchFileException e) {
            next = -1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new AuditPage(out, next < 0 ? null : Long.toString(next));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Fills {@code out}; answers the offset the next page ends at, or -1 when the start was reached. */
    private static long readBackwards(
            FileChannel ch, long end, AuditFilter filter, int limit, List<AuditPage.Entry> out) throws IOException {
        long pos = end;
        byte[] tail = new byte[0];
        while (pos > 0) {
            int n = (int) Math.min(AUDIT_BLOCK, pos);
            byte[] buf = new byte[n + tail.length];
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                if (ch.read(bb, pos - n + bb.position()) < 0) {
                    throw new IOException("the audit log shrank while read");
                }
            }
            System.arraycopy(tail, 0, buf, n, tail.length);
            pos -= n;
            int lineEnd = buf.length;
            for (int i = buf.length - 1; i >= -1; i--) {
                if (i >= 0 && buf[i] != '\n') {
                    continue;
                }
                if (i < 0 && pos > 0) {
                    break; // the line goes on in the block before
                }
                if (i + 1 < lineEnd) {
                    String line = new String(buf, i + 1, lineEnd - i - 1, StandardCharsets.UTF_8);
                    int verdict = filter.test(line);
                    if (verdict < 0) {
                        return -1; // before "since": nothing older can match
                    }
                    if (verdict > 0) {
                        if (out.size() == limit) {
                            return pos + lineEnd + 1;
                        }
                        out.add(entry(line));
                    }
                }
                lineEnd = i;
            }
            tail = java.util.Arrays.copyOf(buf, Math.max(0, lineEnd));
        }
        return -1;
    }

    /** The audit view's filters; {@link #test}: 1 shown, 0 not, -1 older than {@code since} (stop). */
    private record AuditFilter(Instant since, Instant until, String action, String result, String who) {
        /** Lines written before this much before {@code since} end the search (threads append nearly in order). */
        static final Duration SLACK = Duration.ofMinutes(1);

        int test(String line) {
            // A cheap look at the raw line first: most lines of a long log fail a filter, and JSON parsing is dear.
            if ((action != null && plain(action) && !line.contains(action))
                    || (who != null && plain(who) && !line.contains(who))) {
                return timeBefore(line) ? -1 : 0;
            }
            AuditPage.Entry e = entry(line);
            if (e == null) {
                return 0;
            }
            Instant at;
            try {
                at = Instant.parse(e.time());
            } catch (DateTimeParseException ex) {
                return 0;
            }
            if (since != null && at.isBefore(since)) {
                return at.isBefore(since.minus(SLACK)) ? -1 : 0;
            }
            return matches(e, at) ? 1 : 0;
        }

        private boolean timeBefore(String line) {
            if (since == null) {
                return false;
            }
            int t = line.indexOf("\"time\":\"");
            int q = t < 0 ? -1 : line.indexOf('"', t + 8);
            try {
                return q > 0 && Instant.parse(line.substring(t + 8, q)).isBefore(since.minus(SLACK));
            } catch (DateTimeParseException e) {
                return false;
            }
        }

        private static boolean plain(String s) {
            return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
        }

        private boolean matches(AuditPage.Entry e, Instant at) {
            if (until != null && at.isAfter(until)) {
                return false;
            }
            if (action != null && !e.action().contains(action)) {
                return false;
            }
            if (who != null && !e.who().contains(who)) {
                return false;
            }
            if (result != null) {
                String kind = e.status() < 400 ? "ok" : e.status() < 500 ? "refused" : "failed";
                return kind.equals(result);
            }
            return true;
        }
    }

    private static Instant instant(String name, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 instant (2025-06-01T02:00:00Z): " + text);
        }
    }

    private static AuditPage.Entry entry(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return new AuditPage.Entry(
                    n.path("time").asText(),
                    n.path("who").asText(),
                    n.path("from").asText(),
                    n.path("action").asText(),
                    n.path("target").asText(),
                    n.path("status").asInt(),
                    n.path("result").asText());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Pin sets whose name starts with {@code prefix}, a page at a time with their object counts and bytes: the
     * whole list ({@code GET /admin/api/pins}) reads every pinned object's record, too much for a page when prewarm
     * jobs have pinned thousands of module versions.
     */
    public PinSetPage pinSets(String prefix, String after, String limitText) {
        int limit = limit(limitText);
        String p = prefix == null ? "" : prefix.strip();
        List<String> names = new ArrayList<>();
        String[] next = {null};
        store.scanPinSets(p, name -> {
            if (after != null && !after.isEmpty() && name.compareTo(after) <= 0) {
                return true;
            }
            if (names.size() == limit) {
                next[0] = names.get(names.size() - 1);
                return false;
            }
            names.add(name);
            return true;
        });
        List<PinSets.PinSet> out = new ArrayList<>();
        for (String name : names) {
            long[] n = new long[2];
            store.scanPinSet(name, digest -> {
                n[0]++;
                n[1] += store.peek(digest).map(StoredObject::size).orElse(0L);
                return true;
            });
            out.add(new PinSets.PinSet(name, n[0], n[1]));
        }
        return new PinSetPage(p, out, next[0]);
    }

    /** With each setting's value and where it came from, as ferry was started with. */
    public ConsoleApi withSettings(Map<Setting, ConfigLoader.Sourced> settings) {
        this.settings = Map.copyOf(settings);
        return this;
    }

    /** Userinfo in a URL ({@code https://user:secret@host}): what a value may carry that is not the console's. */
    private static final Pattern USERINFO = Pattern.compile("(://)[^/@\\s]+@");

    /**
     * The effective settings with their sources, secrets redacted: the admin token's value is never shown (only
     * whether and where it is set), nor the credentials in a URL. Registry and hosted-user credentials never were
     * settings (the environment and htpasswd files hold them).
     */
    public EffectiveSettings settings() {
        List<EffectiveSettings.Value> out = new ArrayList<>();
        for (Setting s : Setting.values()) {
            ConfigLoader.Sourced v = settings.get(s);
            if (v == null) {
                continue;
            }
            String value = v.value();
            boolean secret = s == Setting.ADMIN_TOKEN;
            if (secret) {
                value = value == null || value.isBlank() ? null : "(set: hidden)";
            } else if (value != null) {
                value = USERINFO.matcher(value).replaceAll("$1***@");
            }
            out.add(new EffectiveSettings.Value(s.key(), value, v.source(), s.flag(), s.env(), secret));
        }
        return new EffectiveSettings(!settings.isEmpty(), out);
    }

    /** With the site's bundle signing key, whose verifier the transfer page shows. */
    public ConsoleApi withSigningKey(SigningKey key) {
        this.signingKey = key;
        return this;
    }

    public SigningKeyInfo signingKey() {
        if (signingKey == null) {
            return new SigningKeyInfo(null, null);
        }
        return new SigningKeyInfo(
                signingKey.get().map(s -> s.verifier().encoded()).orElse(null),
                signingKey.file().toString());
    }

    /** Registries the console lists (configured names, and "hosted" when there are hosted repositories). */
    public List<String> registries() {
        List<String> names = new ArrayList<>(new LinkedHashSet<>(registries));
        if (hosted) {
            names.add(HOSTED);
        }
        return names;
    }
}
