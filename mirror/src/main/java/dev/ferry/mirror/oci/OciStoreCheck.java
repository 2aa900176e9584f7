package dev.ferry.mirror.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.ChunkDamagedException;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The OCI half of {@code ferry verify}: every stored manifest and blob ({@code oci/blob/<d>}) is re-read and hashed
 * with its digest's algorithm, and with SHA-256 against the object it is stored as. Reads the whole store: meant
 * for a stopped server.
 */
public final class OciStoreCheck {
    private final NamedObjectStore store;

    public OciStoreCheck(NamedObjectStore store) {
        this.store = store;
    }

    public enum Kind {
        MANIFEST("manifest"),
        BLOB("blob");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        @Override
        public String toString() {
            return word;
        }
    }

    /** One stored manifest or blob whose bytes are not what its digest says. */
    public record Problem(Digest digest, Kind kind, String what) {}

    public record Report(int manifests, int blobs, List<Problem> problems) {}

    /** Where a damaged digest can be fetched again: a mirrored registry's repository that linked it. */
    public record Source(String registry, RepositoryName repository) {}

    public Report run() {
        List<Problem> problems = new ArrayList<>();
        int[] counts = {0, 0};
        store.scanNames(OciStoreNames.blobPrefix(), (name, object) -> {
            Optional<Digest> parsed = OciStoreNames.parseBlob(name);
            if (parsed.isEmpty()) {
                return true; // not a name of this format: nothing to check it against
            }
            Digest digest = parsed.get();
            Kind kind = kindOf(digest);
            counts[kind == Kind.MANIFEST ? 0 : 1]++;
            check(digest).ifPresent(why -> problems.add(new Problem(digest, kind, why)));
            return true;
        });
        return new Report(counts[0], counts[1], problems);
    }

    public Kind kindOf(Digest digest) {
        return store.meta(OciStoreNames.manifestType(digest)).isPresent() ? Kind.MANIFEST : Kind.BLOB;
    }

    /** Why the stored bytes of {@code digest} are not intact, or empty when they are. */
    public Optional<String> check(Digest digest) {
        Optional<StoredObject> object = store.resolve(OciStoreNames.blob(digest));
        if (object.isEmpty()) {
            return Optional.of("missing: no stored object");
        }
        StoredObject o = object.get();
        MessageDigest want;
        MessageDigest sha = sha("SHA-256");
        try {
            want = sha(digest.jcaAlgorithm());
        } catch (IllegalStateException e) {
            return Optional.of("unsupported digest algorithm " + digest.algorithm());
        }
        try (InputStream in = store.read(o.digest(), 0, o.size())) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                want.update(buf, 0, n);
                sha.update(buf, 0, n);
            }
        } catch (ChunkDamagedException e) {
            return Optional.of("corrupt: " + e.damage());
        } catch (IOException | RuntimeException e) {
            return Optional.of("unreadable: " + e.getMessage());
        }
        String actual = HexFormat.of().formatHex(want.digest());
        if (!actual.equals(digest.hex())) {
            return Optional.of(
                    "corrupt: the bytes hash to " + digest.algorithm() + ":" + actual + ", not to their digest");
        }
        if (!Sha256.of(sha.digest()).equals(o.digest())) {
            return Optional.of("corrupt: the bytes do not hash to the stored object "
                    + o.digest().hex());
        }
        return Optional.empty();
    }

    /**
     * For each of {@code digests}, the first mirrored repository that linked it (in key order), if any. One scan
     * of the repositories' keys, so call it once with every digest to repair.
     */
    public Map<Digest, Source> sources(Set<Digest> digests) {
        Map<Digest, Source> found = new LinkedHashMap<>();
        store.scanMeta(OciStoreNames.mirroredRepositoryKeysPrefix(), (key, value) -> {
            // Keys of another shape (tags, referrers) are not links.
            OciStoreNames.parseLink(key).ifPresent(link -> {
                Digest d = link.digest();
                if (digests.contains(d) && !found.containsKey(d)) {
                    found.put(
                            d,
                            new Source(
                                    link.in().target().registry().orElseThrow(),
                                    link.in().repository()));
                }
            });
            return found.size() < digests.size();
        });
        return found;
    }

    /** The hosted repositories that link {@code digest}: content that was pushed, so nothing upstream has it. */
    public List<RepositoryName> hostedLinks(Digest digest) {
        List<RepositoryName> repos = new ArrayList<>();
        store.scanMeta(OciStoreNames.repositoryKeysPrefix(OciStoreNames.Target.HOSTED), (key, value) -> {
            // Keys of another shape, or whose repository part is no repository name, are skipped.
            OciStoreNames.parseLink(key)
                    .filter(link -> link.digest().equals(digest))
                    .ifPresent(link -> repos.add(link.in().repository()));
            return true;
        });
        return repos;
    }

    private static MessageDigest sha(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
