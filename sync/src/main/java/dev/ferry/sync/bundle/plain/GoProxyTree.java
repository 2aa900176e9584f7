package dev.ferry.sync.bundle.plain;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
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

    /** Writes into {@code dir} (created if needed); files appear under their final names only once complete. */
    public static void write(NamedObjectStore store, SelectedContent content, Path dir, BundleProgressSink progress)
            throws IOException {
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
            Path base = dir.resolve(module.escaped());
            Map<Version, byte[]> infos = new LinkedHashMap<>();
            List<Version> listed = new ArrayList<>();
            for (GoVersion v : e.getValue().values()) {
                progress.checkCancelled();
                String prefix = ModulePath.escapeVersion(v.version().toString()) + ".";
                boolean all = true;
                for (var f : v.files().entrySet()) {
                    Path file = base.resolve("@v").resolve(prefix + f.getKey());
                    all &= copy(store, f.getValue(), file, module + "@" + v.version() + " ." + f.getKey(), progress);
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
            PlainFiles.write(base.resolve("@v").resolve("list"), list.toString().getBytes(StandardCharsets.UTF_8));
            Optional<byte[]> latest = latest(store, module, infos);
            if (latest.isPresent()) {
                PlainFiles.write(base.resolve("@latest"), latest.get());
            }
        }
        for (SumdbContent db : content.sumdbs()) {
            writeSumdb(store, db, dir.resolve("sumdb").resolve(db.name()), progress);
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
    private static void writeSumdb(NamedObjectStore store, SumdbContent db, Path out, BundleProgressSink progress)
            throws IOException {
        PlainFiles.write(out.resolve("supported"), new byte[0]);
        if (db.latest() != null) {
            Optional<byte[]> latest =
                    store.meta(db.latest()).flatMap(Snapshot::decode).map(Snapshot::body);
            if (latest.isPresent()) {
                PlainFiles.write(out.resolve("latest"), latest.get());
            } else {
                progress.note(db.name() + ": the latest note is no longer stored; clients need it to verify");
            }
        }
        for (String key : db.lookups()) {
            progress.checkCancelled();
            Optional<byte[]> body = store.meta(key);
            if (body.isPresent()) {
                PlainFiles.write(out.resolve(SumdbStoreNames.pathOf(db.name(), key)), body.get());
                progress.item(key);
            } else {
                progress.note(key + " is no longer stored");
            }
        }
        for (String key : db.tiles()) {
            progress.checkCancelled();
            Path file = out.resolve(SumdbStoreNames.pathOf(db.name(), key));
            Optional<StoredObject> full = store.resolve(key);
            if (full.isPresent()) {
                copy(store, key, file, key, progress);
                continue;
            }
            Optional<byte[]> partial = store.meta(key).flatMap(Snapshot::decode).map(Snapshot::body);
            if (partial.isPresent()) {
                PlainFiles.write(file, partial.get());
                progress.item(key);
            } else {
                progress.note(key + " is no longer stored");
            }
        }
    }

    /** Copies the object {@code name} points at; false (and a note) when it is gone. */
    private static boolean copy(
            NamedObjectStore store, String name, Path file, String what, BundleProgressSink progress)
            throws IOException {
        Optional<StoredObject> o = store.resolve(name);
        if (o.isEmpty()) {
            progress.note(what + ": no longer stored (evicted since selection?), not written");
            return false;
        }
        try {
            PlainFiles.copy(store, o.get(), file, progress);
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
