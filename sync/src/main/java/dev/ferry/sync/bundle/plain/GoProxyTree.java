package dev.ferry.sync.bundle.plain;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.bundle.BundleProgressSink;
import dev.ferry.sync.bundle.SelectedContent;
import dev.ferry.sync.bundle.SelectedContent.GoVersion;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes selected Go module versions as a static GOPROXY tree ({@code GOPROXY=file:///DIR}): per module
 * {@code @v/list} and each version's .info/.mod/.zip, {@code @latest}, and beside them {@code sumdb/<db>/}
 * (supported, latest, lookup/, tile/) so a client can verify against the exported checksum-database files.
 *
 * <p>The go command (1.19 checked) reads {@code <GOPROXY>/sumdb/<db>/supported} when GOSUMDB names only the
 * database and key, and then reads the database through the proxy; a file:// proxy works for that. So
 * {@code GOPROXY=file:///DIR GOSUMDB="<name>+<hash>+<key>"} builds with checksum verification on
 * (docs/bundles-plain.md).
 */
public final class GoProxyTree {
    private static final Pattern INFO_VERSION = Pattern.compile("\"Version\"\\s*:\\s*\"([^\"]+)\"");

    private GoProxyTree() {}

    /**
     * Writes into {@code dir} (created if needed; checked with {@link PlainFiles#checkTarget}); files appear under
     * their final names only once complete. Every path is built from parsed values (module paths, versions, database
     * names, tile and lookup paths) and stays under {@code dir}.
     */
    public static void write(NamedObjectStore store, SelectedContent content, Path dir, BundleProgressSink progress)
            throws IOException {
        PlainFiles files = new PlainFiles(dir);
        files.mark();
        Map<ModulePath, TreeMap<Version, GoVersion>> modules =
                new TreeMap<>((a, b) -> a.value().compareTo(b.value()));
        long bytes = 0;
        long items = 0;
        for (GoVersion v : content.goVersions()) {
            modules.computeIfAbsent(v.module(), k -> new TreeMap<>()).put(v.version(), v);
            for (String name : v.files().values()) {
                bytes += store.resolve(name).map(StoredObject::size).orElse(0L);
                items++;
            }
        }
        progress.phase("writing", bytes, items);
        for (var e : modules.entrySet()) {
            ModulePath module = e.getKey();
            String base = module.escaped();
            Map<Version, byte[]> infos = new LinkedHashMap<>();
            List<Version> listed = new ArrayList<>();
            for (GoVersion v : e.getValue().values()) {
                progress.checkCancelled();
                String prefix = ModulePath.escapeVersion(v.version().toString()) + ".";
                boolean all = true;
                for (var f : v.files().entrySet()) {
                    Path file = files.file(List.of(base, "@v", prefix + f.getKey()));
                    all &= copy(
                            store, files, f.getValue(), file, module + "@" + v.version() + " ." + f.getKey(), progress);
                    if (f.getKey().equals("info")) {
                        store.resolve(f.getValue()).ifPresent(o -> infos.put(v.version(), bytesOf(store, o)));
                    }
                }
                // A version the go command cannot fetch whole would only make it fail later; leave it unlisted.
                if (all
                        && v.files().keySet().containsAll(List.of("info", "mod", "zip"))
                        && !v.version().isPseudo()) {
                    listed.add(v.version());
                }
            }
            StringBuilder list = new StringBuilder();
            listed.stream().sorted().forEach(v -> list.append(v).append('\n'));
            files.write(files.file(List.of(base, "@v", "list")), list.toString().getBytes(StandardCharsets.UTF_8));
            Optional<byte[]> latest = latest(store, module, infos);
            if (latest.isPresent()) {
                files.write(files.file(List.of(base, "@latest")), latest.get());
            }
        }
        for (SumdbContent db : content.sumdbs()) {
            if (!SumdbConfig.isValidName(db.name())) {
                progress.note("checksum database " + FormatException.quote(db.name())
                        + ": not a database name (host[/path]), not written");
                continue;
            }
            writeSumdb(store, files, db, progress);
        }
    }

    /**
     * What {@code @latest} answers: the mirror's last @latest answer when that version is exported, else the
     * .info of the best exported version (highest release, else highest pre-release or pseudo-version).
     */
    private static Optional<byte[]> latest(NamedObjectStore store, ModulePath module, Map<Version, byte[]> infos) {
        Optional<byte[]> snapshot = store.meta(GoStoreNames.latest(module))
                .flatMap(Snapshot::decode)
                .map(Snapshot::body)
                .filter(b -> infoVersion(b).filter(infos::containsKey).isPresent());
        if (snapshot.isPresent()) {
            return snapshot;
        }
        List<Version> versions = new ArrayList<>(infos.keySet());
        return versions.stream()
                .filter(v -> !v.isPrerelease())
                .max(Version::compareTo)
                .or(() -> versions.stream().max(Version::compareTo))
                .map(infos::get);
    }

    private static Optional<Version> infoVersion(byte[] info) {
        Matcher m = INFO_VERSION.matcher(new String(info, StandardCharsets.UTF_8));
        return m.find() && Version.isValid(m.group(1))
                ? Optional.of(Version.parse(m.group(1)).canonical())
                : Optional.empty();
    }

    /** supported (empty), latest, lookup/..., tile/...: the paths the go command's sumdb client reads. */
    private static void writeSumdb(
            NamedObjectStore store, PlainFiles files, SumdbContent db, BundleProgressSink progress) throws IOException {
        String out = "sumdb/" + db.name();
        files.write(files.file(List.of(out, "supported")), new byte[0]);
        if (db.latest() != null) {
            Optional<byte[]> latest =
                    store.meta(db.latest()).flatMap(Snapshot::decode).map(Snapshot::body);
            if (latest.isPresent()) {
                files.write(files.file(List.of(out, "latest")), latest.get());
            } else {
                progress.note(db.name() + ": the latest note is no longer stored; clients need it to verify");
            }
        }
        for (String key : db.lookups()) {
            progress.checkCancelled();
            Optional<byte[]> body = store.meta(key);
            Optional<String> path = lookupPath(db.name(), key);
            if (path.isEmpty()) {
                progress.note(key + ": not a lookup key, not written");
            } else if (body.isPresent()) {
                files.write(files.file(List.of(out, path.get())), body.get());
                progress.item(key);
            } else {
                progress.note(key + " is no longer stored");
            }
        }
        for (String key : db.tiles()) {
            progress.checkCancelled();
            Optional<String> path = tilePath(db.name(), key);
            if (path.isEmpty()) {
                progress.note(key + ": not a tile key, not written");
                continue;
            }
            Path file = files.file(List.of(out, path.get()));
            Optional<StoredObject> full = store.resolve(key);
            if (full.isPresent()) {
                copy(store, files, key, file, key, progress);
                continue;
            }
            Optional<byte[]> partial = store.meta(key).flatMap(Snapshot::decode).map(Snapshot::body);
            if (partial.isPresent()) {
                files.write(file, partial.get());
                progress.item(key);
            } else {
                progress.note(key + " is no longer stored");
            }
        }
    }

    /** A tile key's path under its database, spelled again from the parsed tile; empty when it is not one. */
    private static Optional<String> tilePath(String db, String key) {
        try {
            return Optional.of(Tile.parsePath(SumdbStoreNames.pathOf(db, key)).path());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A lookup key's path under its database, spelled again from the parsed lookup; empty when it is not one. */
    private static Optional<String> lookupPath(String db, String key) {
        try {
            return Optional.of(LookupPath.parse(SumdbStoreNames.pathOf(db, key)).toString());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Copies the object {@code name} points at; false (and a note) when it is gone. */
    private static boolean copy(
            NamedObjectStore store, PlainFiles files, String name, Path file, String what, BundleProgressSink progress)
            throws IOException {
        Optional<StoredObject> o = store.resolve(name);
        if (o.isEmpty()) {
            progress.note(what + ": no longer stored (evicted since selection?), not written");
            return false;
        }
        try {
            files.copy(store, o.get(), file, progress);
        } catch (NoSuchElementException e) {
            progress.note(what + ": deleted while being written, not written");
            return false;
        }
        progress.item(what);
        return true;
    }

    private static byte[] bytesOf(NamedObjectStore store, StoredObject o) {
        try (InputStream in = store.read(o.digest(), 0, o.size())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
