package dev.ferry.protocols.bundle;

import java.util.List;
import java.util.Objects;

/** One entry of a bundle manifest (see {@link ManifestWriter} for the line grammar). Digests are lowercase hex. */
public sealed interface ManifestEntry {

    /** Volume {@code n} (from 1): its file size and whole-file sha256. */
    record Volume(int number, long size, String sha256) implements ManifestEntry {
        public Volume {
            BundleNote.checkSha256(sha256, "volume digest");
        }
    }

    /** An object and its chunks in order; the chunk lengths add up to {@code size}. */
    record StoreObject(String sha256, long size, List<Chunk> chunks) implements ManifestEntry {
        public StoreObject {
            BundleNote.checkSha256(sha256, "object digest");
            chunks = List.copyOf(chunks);
        }
    }

    /**
     * An object in a format-2 manifest: its chunks in order as parts, each shipped chunk by its length only (its
     * place follows from the volumes' records: see {@link ManifestWriter}), the others as runs of chunks of objects
     * the site holds or this bundle listed before, or by digest.
     */
    record DeltaObject(String sha256, long size, List<Part> parts) implements ManifestEntry {
        public DeltaObject {
            BundleNote.checkSha256(sha256, "object digest");
            parts = List.copyOf(parts);
        }

        /** How many chunks the parts name. */
        public long chunkCount() {
            long n = 0;
            for (Part p : parts) {
                n += p.count();
            }
            return n;
        }
    }

    /** Consecutive chunks of a {@link DeltaObject}. */
    sealed interface Part {
        int count();
    }

    /** The next chunk shipped in the volumes, {@code length} bytes. */
    record Shipped(int length) implements Part {
        public Shipped {
            if (length < 1 || length > dev.ferry.protocols.bundle.Volume.MAX_RECORD) {
                throw new IllegalArgumentException("shipped chunk length " + length);
            }
        }

        @Override
        public int count() {
            return 1;
        }
    }

    /**
     * Chunks {@code [first, first + count)} of object {@code object}: one the site holds, or one listed earlier in
     * this manifest (or this object, chunks before this run).
     */
    record Run(String object, int first, int count) implements Part {
        public Run {
            BundleNote.checkSha256(object, "run object digest");
            if (first < 0 || count < 1 || (long) first + count > ManifestReader.MAX_CHUNKS) {
                throw new IllegalArgumentException("run of " + count + " chunks from chunk " + first);
            }
        }
    }

    /** One chunk the site holds, named by its digest (no object the exporter knew the site holds has it). */
    record Held(String sha256, int length) implements Part {
        public Held {
            BundleNote.checkSha256(sha256, "chunk digest");
            if (length < 1 || length > dev.ferry.protocols.bundle.Volume.MAX_RECORD) {
                throw new IllegalArgumentException("chunk " + sha256 + ": length " + length);
            }
        }

        @Override
        public int count() {
            return 1;
        }
    }

    /**
     * A chunk of an object: shipped as bytes {@code [skip, skip + length)} of the record at {@code offset} of volume
     * {@code volume} (a record may hold several consecutive chunks, compressed together), or not shipped
     * ({@code volume} 0: the site holds it, or an earlier object of this bundle shipped it). {@code sha256} is null
     * for a chunk a format-2 manifest ships: it lists no digest for it (the volume's digest covers its bytes, the
     * object's digest the whole).
     */
    record Chunk(String sha256, int length, int volume, long offset, int skip) {
        public Chunk {
            if (sha256 != null || volume == 0) {
                BundleNote.checkSha256(sha256, "chunk digest");
            }
            if (length < 1
                    || length > dev.ferry.protocols.bundle.Volume.MAX_RECORD
                    || volume < 0
                    || volume > BundleNote.MAX_VOLUMES
                    || offset < 0
                    || skip < 0
                    || skip > dev.ferry.protocols.bundle.Volume.MAX_RECORD - length) {
                throw new IllegalArgumentException("chunk " + sha256 + ": length " + length + ", volume " + volume
                        + ", offset " + offset + ", skip " + skip);
            }
        }

        public static Chunk notShipped(String sha256, int length) {
            return new Chunk(sha256, length, 0, 0, 0);
        }

        public boolean shipped() {
            return volume > 0;
        }
    }

    record Name(String name, String object) implements ManifestEntry {
        public Name {
            Objects.requireNonNull(name, "name");
            BundleNote.checkSha256(object, "object digest");
        }
    }

    record Meta(MetaPolicy policy, String key, byte[] value) implements ManifestEntry {
        public Meta {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    record Pin(String pinSet, String object) implements ManifestEntry {
        public Pin {
            Objects.requireNonNull(pinSet, "pinSet");
            BundleNote.checkSha256(object, "object digest");
        }
    }

    /** A mirror-set definition that travels with the bundle, as its YAML text. */
    record MirrorSet(String name, String yaml) implements ManifestEntry {
        public MirrorSet {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(yaml, "yaml");
        }
    }
}
