package dev.ferry.mirror.go;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;

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
 *                          the file's name: "&lt;ext&gt; &lt;digest hex&gt; &lt;stored at, ISO-8601&gt; &lt;upstream&gt;";
 *                          scanning the prefix go/&lt;m&gt;/@v/ lists the versions we hold
 *   go/&lt;m&gt;/list           the last @v/list from upstream, normalised (see {@link GoContentChecks#list}),
 *                          as a {@link Snapshot} (fetch time, upstream, body)
 *   go/&lt;m&gt;/latest         the last @latest .info JSON from upstream, as a {@link Snapshot}
 *   go/&lt;m&gt;/query/&lt;q&gt;      the last .info answer for a non-canonical version query q (e.g. v1.2), as a Snapshot
 * </pre>
 *
 * Upstream 404/410 answers are remembered in memory only ({@link NegativeCache}): they are many, short-lived
 * and worthless after a restart, so writing them to disk would only make garbage to collect.
 */
public final class GoStoreNames {
    static final String ROOT = "go/";

    private GoStoreNames() {}

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
