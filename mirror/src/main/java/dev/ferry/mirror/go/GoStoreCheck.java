package dev.ferry.mirror.go;

import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.modzip.ModuleZip;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.Lookup;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.dirhash.Hash1;
import dev.ferry.storage.ChunkDamagedException;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Go half of {@code ferry verify}: every module file a version record lists is re-read, its SHA-256 and (for
 * .mod and .zip) its h1 hash recomputed and compared with the record, the hash pinned at ingest and the stored
 * checksum database lookup. Reads the whole store: meant for a stopped server.
 */
public final class GoStoreCheck {
    private final NamedObjectStore store;
    private final String sumdb;

    /** @param sumdb the checksum database whose stored lookups to compare with, or null */
    public GoStoreCheck(NamedObjectStore store, String sumdb) {
        this.store = store;
        this.sumdb = sumdb;
    }

    /** One stored file that is not what ferry recorded. */
    public record Problem(ModulePath module, Version version, String ext, String what) {
        public String file() {
            return module + "@" + version + "." + ext;
        }

        /** The GOPROXY path that fetches the file again. */
        public String proxyPath() {
            return "/" + module.escaped() + "/@v/" + ModulePath.escapeVersion(version.toString()) + "." + ext;
        }
    }

    public record Report(int files, List<Problem> problems) {}

    public Report run() {
        List<Problem> problems = new ArrayList<>();
        int[] files = {0};
        store.scanMeta(GoStoreNames.ROOT, (key, value) -> {
            Optional<GoStoreNames.VersionRecordKey> parsed = GoStoreNames.parseVersionRecord(key);
            if (parsed.isEmpty()) {
                return true;
            }
            ModulePath module;
            Version version;
            try {
                module = parsed.get().module();
                version = Version.parseCanonical(parsed.get().version());
            } catch (FormatException e) {
                return true; // not a version record of this format: nothing to check it against
            }
            for (String ext : extensions(value)) {
                files[0]++;
                check(module, version, ext).ifPresent(why -> problems.add(new Problem(module, version, ext, why)));
            }
            return true;
        });
        return new Report(files[0], problems);
    }

    private static Set<String> extensions(byte[] record) {
        Set<String> exts = new LinkedHashSet<>();
        for (String line : new String(record, StandardCharsets.UTF_8).split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                exts.add(line.substring(0, space));
            }
        }
        return exts;
    }

    /** Why the stored {@code ext} file of module@version is not intact, or empty when it is. */
    public Optional<String> check(ModulePath module, Version version, String ext) {
        Optional<byte[]> record = store.meta(GoStoreNames.versionRecord(module, version));
        Optional<StoredObject> object = store.resolve(GoStoreNames.file(module, version, ext));
        if (object.isEmpty()) {
            return Optional.of("missing: recorded as stored, but no name points at it");
        }
        StoredObject o = object.get();
        Set<String> recorded = new LinkedHashSet<>();
        for (String line : new String(record.orElse(new byte[0]), StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 2 && f[0].equals(ext)) {
                recorded.add(f[1]);
            }
        }
        if (!recorded.contains(o.digest().hex())) {
            return Optional.of("the stored object " + o.digest().hex() + " is none of the recorded " + recorded);
        }
        MessageDigest sha = sha256();
        String h1;
        try (InputStream in = new DigestInputStream(store.read(o.digest(), 0, o.size()), sha)) {
            h1 = switch (ext) {
                case "zip" -> {
                    String h = Hash1.ofZip(ModuleZip.check(in, module, version));
                    in.transferTo(OutputStream.nullOutputStream());
                    yield h;
                }
                case "mod" -> Hash1.ofGoMod(in.readAllBytes());
                default -> {
                    in.transferTo(OutputStream.nullOutputStream());
                    yield null;
                }
            };
        } catch (ChunkDamagedException e) {
            return Optional.of("corrupt: " + e.damage());
        } catch (IOException | RuntimeException e) {
            return Optional.of("unreadable or malformed: " + e.getMessage());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(o.digest().hex())) {
            return Optional.of("corrupt: the bytes hash to " + actual + ", not to their digest "
                    + o.digest().hex());
        }
        if (h1 == null) {
            return Optional.empty();
        }
        Optional<String> pinned = GoStoreNames.pinnedHash(record, ext);
        if (pinned.isPresent() && !pinned.get().equals(h1)) {
            return Optional.of("h1 " + h1 + " differs from the " + pinned.get() + " recorded at ingest");
        }
        if (sumdb != null) {
            Optional<byte[]> lookup = store.meta(SumdbStoreNames.lookup(sumdb, new LookupPath(module, version)));
            if (lookup.isPresent()) {
                try {
                    var r = Lookup.parse(lookup.get()).record(module, version);
                    String want = ext.equals("zip") ? r.zipHash() : r.goModHash();
                    if (!want.equals(h1)) {
                        return Optional.of(
                                "h1 " + h1 + " differs from " + want + " in the stored " + sumdb + " lookup");
                    }
                } catch (FormatException e) {
                    return Optional.of("the stored " + sumdb + " lookup is unreadable: " + e.getMessage());
                }
            }
        }
        return Optional.empty();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
