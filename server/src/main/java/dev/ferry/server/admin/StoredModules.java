package dev.ferry.server.admin;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.server.admin.api.ModulePage;
import dev.ferry.server.admin.api.VersionPage;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The Go modules ferry holds, for the web console: modules by path prefix or glob and a module's versions, a page
 * at a time from where the previous page ended (a seek in the store). Sizes, pins and last use are read without
 * counting as uses ({@link ContentStore#peek}), so browsing does not keep content from eviction.
 */
public final class StoredModules {
    private final ContentStore store;
    private final PrivatePatterns privates;

    StoredModules(ContentStore store, PrivatePatterns privates) {
        this.store = store;
        this.privates = privates;
    }

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
        int limit = ConsoleApi.limit(limitText);
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
            if (++visited[0] > ConsoleApi.SCAN_BUDGET && out.size() > 0) {
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
        int limit = ConsoleApi.limit(limitText);
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
}
