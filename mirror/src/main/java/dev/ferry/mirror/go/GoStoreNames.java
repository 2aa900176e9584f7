package dev.ferry.mirror.go;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.List;
import java.util.Optional;

/**
 * The one place that spells the store names and metadata keys of the Go module mirror. The store treats
 * them as opaque strings; its physical layout (column families, chunk and object records) is documented by
 * the storage module in docs/storage.md. {@code <m>} is the module path in its {@code !}-case-encoded form
 * ({@link ModulePath#escaped()}), so keys are unique however a path is cased; {@code <v>} is a canonical version.
 *
 * <pre>
 * names (name -> object digest; a name, once written, is never changed: module versions are immutable)
 *   go/&lt;m&gt;/@v/&lt;v&gt;.info     the upstream's .info bytes, as received, after checking them
 *   go/&lt;m&gt;/@v/&lt;v&gt;.mod      the go.mod bytes, as received
 *   go/&lt;m&gt;/@v/&lt;v&gt;.zip      the module zip, as received (chunked with Chunking.ZIP_ENTRIES)
 *
 * metadata (key -> small value)
 *   go/&lt;m&gt;/@v/&lt;v&gt;         per-version record, one line per stored file, written in the same batch as
 *                          the file's name: "&lt;ext&gt; &lt;digest hex&gt; &lt;stored at, ISO-8601&gt; &lt;upstream&gt;[ &lt;h1&gt;]",
 *                          h1 being the dirhash of a .mod or .zip as checked on ingest (the pin: any later
 *                          download of that file must hash the same); scanning the prefix go/&lt;m&gt;/@v/ lists
 *                          the versions we hold
 *   go/&lt;m&gt;/list           the last @v/list from upstream, normalised (see {@link GoContentChecks#list}),
 *                          as a {@link Snapshot} (fetch time, upstream, body)
 *   go/&lt;m&gt;/latest         the last @latest .info JSON from upstream, as a {@link Snapshot}
 *   go/&lt;m&gt;/query/&lt;q&gt;      the last .info answer for a non-canonical version query q (e.g. v1.2), as a Snapshot
 * </pre>
 *
 * Checksum database state (trusted tree, tiles, lookups) is spelled by {@link dev.ferry.mirror.sumdb.SumdbStoreNames}.
 * Code that reads keys back (bundle selection, {@code ferry verify}, mirror sets) parses them here too:
 * {@link #parseFile}, {@link #parseVersionRecord}, {@link #isSnapshot}.
 *
 * <p>Upstream 404/410 answers are remembered in memory only ({@link NegativeCache}): they are many, short-lived
 * and worthless after a restart, so writing them to disk would only make garbage to collect.
 */
public final class GoStoreNames {
    /** The start of every Go name and metadata key: scanning it visits all of them. */
    public static final String ROOT = "go/";
    /** The extensions of the immutable files of a version, as in their names. */
    public static final List<String> FILE_EXTS = List.of("info", "mod", "zip");

    private GoStoreNames() {}

    /** A {@link #file} name taken apart; the module is still escaped and the version unchecked. */
    public record FileName(String escapedModule, String version, String ext) {
        /** @throws FormatException when the module part is not an escaped module path */
        public ModulePath module() throws FormatException {
            return ModulePath.unescape(escapedModule);
        }
    }

    /**
     * The parts of a name shaped as {@code go/<m>/@v/<v>.<ext>} with ext one of {@link #FILE_EXTS}; empty for any
     * other name. The version is whatever stands between {@code /@v/} and the extension: callers check it.
     */
    public static Optional<FileName> parseFile(String name) {
        if (!name.startsWith(ROOT)) {
            return Optional.empty();
        }
        int at = name.lastIndexOf("/@v/");
        int dot = name.lastIndexOf('.');
        if (at < 0 || dot < at) {
            return Optional.empty();
        }
        String ext = name.substring(dot + 1);
        if (!FILE_EXTS.contains(ext)) {
            return Optional.empty();
        }
        return Optional.of(new FileName(name.substring(ROOT.length(), at), name.substring(at + 4, dot), ext));
    }

    /** A {@link #versionRecord} key taken apart; the module is still escaped and the version unchecked. */
    public record VersionRecordKey(String escapedModule, String version) {
        /** @throws FormatException when the module part is not an escaped module path */
        public ModulePath module() throws FormatException {
            return ModulePath.unescape(escapedModule);
        }
    }

    /**
     * The parts of a metadata key shaped as {@code go/<m>/@v/<v>} (m not empty); empty for any other key, such as
     * a module's list, latest or query snapshots.
     */
    public static Optional<VersionRecordKey> parseVersionRecord(String key) {
        int at = key.indexOf("/@v/");
        if (!key.startsWith(ROOT) || at <= ROOT.length()) {
            return Optional.empty();
        }
        return Optional.of(new VersionRecordKey(key.substring(ROOT.length(), at), key.substring(at + 4)));
    }

    /**
     * Whether {@code key} is one of a module's snapshots of upstream answers ({@link #list}, {@link #latest},
     * {@link #query}): what a newer copy of replaces, unlike the immutable version records and files.
     */
    public static boolean isSnapshot(String key) {
        return key.startsWith(ROOT)
                && (key.endsWith("/list") || key.endsWith("/latest") || key.contains("/query/"))
                && !key.contains("/@v/");
    }

    /** A snapshot key taken apart: {@code kind} is list, latest or query; {@code query} only for a query. */
    public record SnapshotKey(String escapedModule, String kind, String query) {
        /** @throws FormatException when the module part is not an escaped module path */
        public ModulePath module() throws FormatException {
            return ModulePath.unescape(escapedModule);
        }
    }

    /** The parts of a {@link #list}, {@link #latest} or {@link #query} key; empty for any other key. */
    public static Optional<SnapshotKey> parseSnapshot(String key) {
        if (!isSnapshot(key)) {
            return Optional.empty();
        }
        String rest = key.substring(ROOT.length());
        int query = rest.lastIndexOf("/query/");
        if (query > 0) {
            return Optional.of(new SnapshotKey(rest.substring(0, query), "query", rest.substring(query + 7)));
        }
        int slash = rest.lastIndexOf('/');
        return slash > 0
                ? Optional.of(new SnapshotKey(rest.substring(0, slash), rest.substring(slash + 1), null))
                : Optional.empty();
    }

    /** The name of one immutable file; {@code ext} is info, mod or zip. */
    public static String file(ModulePath module, Version version, String ext) {
        return ROOT + module.escaped() + "/@v/" + version + "." + ext;
    }

    public static String versionRecord(ModulePath module, Version version) {
        return versionPrefix(module) + version;
    }

    /** The prefix under which every {@link #versionRecord} of {@code module} lies (and nothing else). */
    public static String versionPrefix(ModulePath module) {
        return ROOT + module.escaped() + "/@v/";
    }

    /** One line of a {@link #versionRecord}; {@code h1} may be null (.info). */
    public static byte[] versionLine(
            String ext, String digestHex, java.time.Instant storedAt, String upstream, String h1) {
        return (ext + " " + digestHex + " " + storedAt + " " + upstream + (h1 == null ? "" : " " + h1) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The h1 first recorded for {@code ext} in a version record, if any. */
    public static java.util.Optional<String> pinnedHash(java.util.Optional<byte[]> record, String ext) {
        if (record.isEmpty()) {
            return java.util.Optional.empty();
        }
        for (String line : new String(record.get(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 5 && f[0].equals(ext) && f[4].startsWith("h1:")) {
                return java.util.Optional.of(f[4]);
            }
        }
        return java.util.Optional.empty();
    }

    public static String list(ModulePath module) {
        return ROOT + module.escaped() + "/list";
    }

    public static String latest(ModulePath module) {
        return ROOT + module.escaped() + "/latest";
    }

    public static String query(ModulePath module, Version query) {
        return ROOT + module.escaped() + "/query/" + query;
    }
}
