package dev.ferry.storage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Every key the store writes, in one place, so the on-disk format can be read top to bottom here.
 *
 * <pre>
 * column family   key                                   value
 * -------------   -----------------------------------   ------------------------------------------------
 * default         "format"                              "ferry-storage/2" (opens /1 and marks it /2; refuses others)
 * default         "lifecycle"                           "1" once name_refs and access cover every stored object
 * default         "closed-clean"                        "1", written by a clean close, deleted by the next open
 * chunks          chunk sha256 (32)                     the chunk's bytes (blob files above min_blob_size)
 * chunk_refs      chunk sha256 (32)                     u64 LE reference count (UInt64AddOperator merges)
 * objects         object sha256 (32)                    size u64 BE | object id u64 BE
 *                                                       [| sole chunk sha256 (32) [| its CRC32C u32 BE
 *                                                       [| its bytes, when inline]]]
 * object_chunks   object id u64 BE | offset u64 BE      chunk sha256 (32) | chunk length u32 BE [| CRC32C u32 BE
 *                                                       [| the chunk's bytes, when inline]]
 * pending         object id u64 BE                      start time, epoch millis u64 BE
 * names           UTF-8 name                            object sha256 (32)
 * name_refs       object sha256 (32) | UTF-8 name       empty (reverse of names, same batches)
 * pins            object sha256 (32) | UTF-8 pin set    empty
 * pin_sets        UTF-8 pin set | 0x00 | object sha256  empty (reverse of pins, same batches)
 * access          object sha256 (32)                    last use, epoch minute u64 BE
 * access_by_time  epoch minute u64 BE | object sha256   empty (reverse of access, same batches)
 * meta            UTF-8 key                             opaque bytes
 * counters        UTF-8 counter name                    i64 LE (UInt64AddOperator merges, wraps for "-1")
 * </pre>
 *
 * <p>Why an object id between {@code objects} and {@code object_chunks}: the chunk index is written chunk by
 * chunk while the object streams in, before its digest is known, so it cannot be keyed by digest. The id is the
 * write's id; committing an object just adds its {@code objects} record and deletes {@code pending/<id>}, so the
 * commit batch stays small however large the object is. Big-endian offsets make the index sort by offset, so a
 * range read finds its first chunk with one seekForPrev and then walks by exact keys (offset + length).
 *
 * <p>Why a CRC32C beside each chunk reference ({@link ChunkChecksum}): a read of a chunk whose reference carries
 * one checks the bytes in Java and asks RocksDB not to verify its own checksums, which its JNI build computes in
 * software (a fifth of the CPU of 100 clients pulling one warm layer). The field is optional at the end of the value:
 * references written before it existed (or by a writer without the bytes) have none and are read with RocksDB's
 * check, and a ferry that predates it reads the longer values as before (it decodes the fields it knows by
 * position), so the format did not change.
 *
 * <p>Why some chunks are inline (format 2): a chunk of at most {@link ChunkStore#INLINE_MAX} bytes is kept in its
 * index entry (and, for a one-chunk object, in the object record too) instead of under its digest in {@code chunks}:
 * no reference count, no lookup of whether it is stored, one entry written and read instead of three. Half the chunks
 * of a Go module zip are entry headers of about 90 bytes, which differ between versions (they name the version), and
 * {@code .info} and most {@code .mod} files are one chunk that small, so sharing them saved nothing while each cost as
 * much RocksDB work as a large chunk. An entry is inline exactly when its value is longer than 40 bytes (it then
 * always carries the CRC32C), which is why format 1 (ferry before inline chunks) refuses format 2: it would look for
 * such a chunk under its digest and report it missing. A format 1 store is opened and marked format 2 as is: its
 * entries are all valid format 2 entries. Inline bytes count in {@code chunk_bytes} (the store's size) but not in
 * {@code chunks} (chunks stored under their digest).
 *
 * <p>Why reference counts are taken while writing, not at commit: a chunk a write relies on is then protected from
 * reclaim from the moment it is used; {@code pending/<id>} says which counts belong to unfinished writes, and its
 * {@code object_chunks} entries say exactly which counts to give back (see {@link Reclaimer}). A delete
 * ({@link Deleter}) writes {@code pending/<id>} for the object it drops, so its chunks go back the same way.
 *
 * <p>Why the lifecycle families are pairs: eviction must find the names of an object (name_refs), whether an object
 * is pinned (pins, keyed by object first) and every object of a pin set (pin_sets), and must walk objects from the
 * least recently used on without holding them all in memory (access_by_time, ordered by minute). Each pair is written
 * in the same batches, so one never disagrees with the other (the scrubber checks). Access times are minutes, not
 * millis: a store is read far more often than once a minute per object, so most reads change nothing on disk.
 *
 * <p>Names and metadata keys are opaque here: the layers above define their grammar and document it where they build
 * and parse them (GoStoreNames, SumdbStoreNames and OciStoreNames in the mirror, ImportRecords in sync; docs/storage.md
 * lists them). Names and meta keys sort by their UTF-8 bytes, which is code point order.
 */
public final class StoreLayout {
    private StoreLayout() {}

    public static final String FORMAT = "ferry-storage/2";
    /** The format before inline chunks: opened and marked {@link #FORMAT} (every format 1 value is valid in 2). */
    public static final String FORMAT_1 = "ferry-storage/1";

    public static final byte[] FORMAT_KEY = utf8("format");
    /** Present once {@code name_refs} and {@code access} were built for every object (stores older than them). */
    public static final byte[] LIFECYCLE_KEY = utf8("lifecycle");
    /**
     * Present while the store is closed after a clean close (no writer, delete or pinned chunk left half way): the
     * next open then skips the sweep for chunks at count zero. Deleted (synced) by the open that finds it.
     */
    public static final byte[] CLEAN_CLOSE_KEY = utf8("closed-clean");

    /** Column family names, in the order they are opened (default must be first). */
    public static final String DEFAULT = "default";

    public static final String CHUNKS = "chunks";
    public static final String CHUNK_REFS = "chunk_refs";
    public static final String OBJECTS = "objects";
    public static final String OBJECT_CHUNKS = "object_chunks";
    public static final String PENDING = "pending";
    public static final String NAMES = "names";
    public static final String META = "meta";
    public static final String COUNTERS = "counters";
    public static final String NAME_REFS = "name_refs";
    public static final String PINS = "pins";
    public static final String PIN_SETS = "pin_sets";
    public static final String ACCESS = "access";
    public static final String ACCESS_BY_TIME = "access_by_time";

    public static final List<String> COLUMN_FAMILIES = List.of(
            DEFAULT,
            CHUNKS,
            CHUNK_REFS,
            OBJECTS,
            OBJECT_CHUNKS,
            PENDING,
            NAMES,
            META,
            COUNTERS,
            NAME_REFS,
            PINS,
            PIN_SETS,
            ACCESS,
            ACCESS_BY_TIME);

    /** chunks: chunk digest -> the chunk's bytes, stored as given (no framing, so a read is one copy). */
    public static final class Chunk {
        private Chunk() {}

        public static final String FAMILY = CHUNKS;

        public static byte[] key(Sha256 digest) {
            return digest.bytes();
        }
    }

    /** chunk_refs: chunk digest -> {@link Count} of index entries (committed or pending) that point at it. */
    public static final class ChunkRef {
        private ChunkRef() {}

        public static final String FAMILY = CHUNK_REFS;

        public static byte[] key(Sha256 digest) {
            return digest.bytes();
        }
    }

    /** chunk_refs and counters values: 8 bytes little-endian, the encoding RocksDB's UInt64AddOperator expects. */
    public static final class Count {
        private Count() {}

        public static byte[] encode(long delta) {
            return ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(delta)
                    .array();
        }

        public static long decode(byte[] value) {
            return value == null
                    ? 0
                    : ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        public static final byte[] PLUS_ONE = encode(1);
        public static final byte[] MINUS_ONE = encode(-1);
    }

    /**
     * objects: digest -> where its chunks are. {@code soleChunk} saves the index lookup for one-chunk objects,
     * {@code soleChecksum} is its CRC32C ({@link ChunkChecksum#NONE} when not recorded), {@code soleInline} its bytes
     * when the chunk is inline (then the checksum is always recorded), so such an object is read with this one get.
     */
    public record ObjectRecord(long size, long id, byte[] soleChunk, long soleChecksum, byte[] soleInline) {
        public static final String FAMILY = OBJECTS;

        public ObjectRecord(long size, long id, byte[] soleChunk, long soleChecksum) {
            this(size, id, soleChunk, soleChecksum, null);
        }

        public ObjectRecord {
            if (soleInline != null
                    && (soleChunk == null || soleChecksum == ChunkChecksum.NONE || soleInline.length != size)) {
                throw new IllegalArgumentException("an inline sole chunk needs its digest, checksum and every byte");
            }
        }

        public static byte[] key(Sha256 digest) {
            return digest.bytes();
        }

        public byte[] encode() {
            int length = 16;
            if (soleChunk != null) {
                length += Sha256.LENGTH + (soleChecksum == ChunkChecksum.NONE ? 0 : 4);
                length += soleInline == null ? 0 : soleInline.length;
            }
            ByteBuffer b = ByteBuffer.allocate(length);
            b.putLong(size).putLong(id);
            if (soleChunk != null) {
                b.put(soleChunk);
                if (soleChecksum != ChunkChecksum.NONE) {
                    b.putInt((int) soleChecksum);
                }
                if (soleInline != null) {
                    b.put(soleInline);
                }
            }
            return b.array();
        }

        public static ObjectRecord decode(byte[] value) {
            ByteBuffer b = ByteBuffer.wrap(value);
            long size = b.getLong();
            long id = b.getLong();
            byte[] sole = b.remaining() >= Sha256.LENGTH ? Arrays.copyOfRange(value, 16, 16 + Sha256.LENGTH) : null;
            long checksum = b.remaining() >= Sha256.LENGTH + 4
                    ? Integer.toUnsignedLong(b.getInt(16 + Sha256.LENGTH))
                    : ChunkChecksum.NONE;
            int inlineAt = 16 + Sha256.LENGTH + 4;
            byte[] inline = null;
            if (value.length > inlineAt) {
                if (value.length - inlineAt != size) {
                    throw new IllegalStateException("store corrupt: an object record of " + size + " bytes holds "
                            + (value.length - inlineAt) + " inline bytes");
                }
                inline = Arrays.copyOfRange(value, inlineAt, value.length);
            }
            return new ObjectRecord(size, id, sole, checksum, inline);
        }
    }

    /**
     * object_chunks: (object id, offset) -> (chunk digest, length, CRC32C or {@link ChunkChecksum#NONE}, and the
     * chunk's bytes when it is inline, null otherwise).
     */
    public record IndexEntry(long id, long offset, byte[] chunk, int length, long checksum, byte[] inline) {
        public static final String FAMILY = OBJECT_CHUNKS;

        /** Where an inline chunk's bytes start in an entry's value (after digest, length and CRC32C). */
        private static final int INLINE_AT = Sha256.LENGTH + 8;

        public static byte[] key(long id, long offset) {
            return ByteBuffer.allocate(16).putLong(id).putLong(offset).array();
        }

        public static byte[] idPrefix(long id) {
            return ByteBuffer.allocate(8).putLong(id).array();
        }

        public static long idOf(byte[] key) {
            return ByteBuffer.wrap(key).getLong();
        }

        public static long offsetOf(byte[] key) {
            return ByteBuffer.wrap(key).getLong(8);
        }

        public static byte[] value(byte[] chunk, int length, long checksum) {
            ByteBuffer b = ByteBuffer.allocate(Sha256.LENGTH + (checksum == ChunkChecksum.NONE ? 4 : 8))
                    .put(chunk)
                    .putInt(length);
            if (checksum != ChunkChecksum.NONE) {
                b.putInt((int) checksum);
            }
            return b.array();
        }

        /** An inline chunk's entry: {@code bytes[off, off + len)} are the chunk, {@code checksum} their CRC32C. */
        public static byte[] inlineValue(byte[] chunk, byte[] bytes, int off, int len, long checksum) {
            return ByteBuffer.allocate(INLINE_AT + len)
                    .put(chunk)
                    .putInt(len)
                    .putInt((int) checksum)
                    .put(bytes, off, len)
                    .array();
        }

        /** The CRC32C in an entry's value, or {@link ChunkChecksum#NONE}. */
        public static long checksumOf(byte[] value) {
            return value.length >= Sha256.LENGTH + 8
                    ? Integer.toUnsignedLong(ByteBuffer.wrap(value).getInt(Sha256.LENGTH + 4))
                    : ChunkChecksum.NONE;
        }

        /** An inline chunk's bytes from an entry's value, or null when the chunk is stored under its digest. */
        public static byte[] inlineOf(byte[] value) {
            if (value.length <= INLINE_AT) {
                return null;
            }
            int length = ByteBuffer.wrap(value).getInt(Sha256.LENGTH);
            if (value.length - INLINE_AT != length) {
                throw new IllegalStateException("store corrupt: an index entry of a " + length + "-byte chunk holds "
                        + (value.length - INLINE_AT) + " inline bytes");
            }
            return Arrays.copyOfRange(value, INLINE_AT, value.length);
        }

        public static IndexEntry decode(byte[] key, byte[] value) {
            return new IndexEntry(
                    idOf(key),
                    offsetOf(key),
                    Arrays.copyOf(value, Sha256.LENGTH),
                    ByteBuffer.wrap(value).getInt(Sha256.LENGTH),
                    checksumOf(value),
                    inlineOf(value));
        }

        public long end() {
            return offset + length;
        }
    }

    /** pending: object id -> when the write started (for operators reading a stuck store). */
    public static final class Pending {
        private Pending() {}

        public static final String FAMILY = PENDING;

        public static byte[] key(long id) {
            return IndexEntry.idPrefix(id);
        }

        public static byte[] value(long startMillis) {
            return ByteBuffer.allocate(8).putLong(startMillis).array();
        }

        public static long idOf(byte[] key) {
            return ByteBuffer.wrap(key).getLong();
        }
    }

    /** names: name -> object digest. */
    public static final class Name {
        private Name() {}

        public static final String FAMILY = NAMES;

        public static byte[] key(String name) {
            return utf8(name);
        }

        public static Sha256 decode(byte[] value) {
            return Sha256.of(value);
        }
    }

    /** name_refs: (object digest, name) -> nothing; every name pointing at an object, found by prefix. */
    public static final class NameRef {
        private NameRef() {}

        public static final String FAMILY = NAME_REFS;

        public static byte[] key(Sha256 object, String name) {
            return concat(object.bytes(), utf8(name));
        }

        public static byte[] prefix(Sha256 object) {
            return object.bytes();
        }

        public static Sha256 objectOf(byte[] key) {
            return Sha256.of(Arrays.copyOf(key, Sha256.LENGTH));
        }

        public static String nameOf(byte[] key) {
            return new String(key, Sha256.LENGTH, key.length - Sha256.LENGTH, StandardCharsets.UTF_8);
        }
    }

    /**
     * pins: (object digest, pin set) -> nothing, and pin_sets: (pin set, 0x00, object digest) -> nothing. An object
     * is pinned while any set holds it. Set names are UTF-8 without NUL, so the 0x00 ends the set's prefix.
     */
    public static final class Pin {
        private Pin() {}

        public static final String FAMILY = PINS;
        public static final String SETS_FAMILY = PIN_SETS;

        public static byte[] key(Sha256 object, String pinSet) {
            return concat(object.bytes(), utf8(checkSet(pinSet)));
        }

        public static byte[] prefix(Sha256 object) {
            return object.bytes();
        }

        public static String setOf(byte[] key) {
            return new String(key, Sha256.LENGTH, key.length - Sha256.LENGTH, StandardCharsets.UTF_8);
        }

        public static Sha256 objectOf(byte[] key) {
            return Sha256.of(Arrays.copyOf(key, Sha256.LENGTH));
        }

        public static byte[] setKey(String pinSet, Sha256 object) {
            return concat(setPrefix(pinSet), object.bytes());
        }

        public static byte[] setPrefix(String pinSet) {
            return concat(utf8(checkSet(pinSet)), new byte[] {0});
        }

        public static String setOfSetKey(byte[] key) {
            return new String(key, 0, key.length - Sha256.LENGTH - 1, StandardCharsets.UTF_8);
        }

        public static Sha256 objectOfSetKey(byte[] key) {
            return Sha256.of(Arrays.copyOfRange(key, key.length - Sha256.LENGTH, key.length));
        }

        static String checkSet(String pinSet) {
            if (pinSet.isEmpty() || pinSet.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("pin set names are non-empty and have no NUL: " + pinSet);
            }
            return pinSet;
        }
    }

    /** access: object digest -> minute of last use; access_by_time: (minute, digest) -> nothing, oldest first. */
    public static final class Access {
        private Access() {}

        public static final String FAMILY = ACCESS;
        public static final String BY_TIME_FAMILY = ACCESS_BY_TIME;

        public static byte[] key(Sha256 object) {
            return object.bytes();
        }

        public static byte[] value(long minute) {
            return ByteBuffer.allocate(8).putLong(minute).array();
        }

        public static long decode(byte[] value) {
            return ByteBuffer.wrap(value).getLong();
        }

        public static byte[] timeKey(long minute, Sha256 object) {
            return ByteBuffer.allocate(8 + Sha256.LENGTH)
                    .putLong(minute)
                    .put(object.bytes())
                    .array();
        }

        public static long minuteOf(byte[] timeKey) {
            return ByteBuffer.wrap(timeKey).getLong();
        }

        public static Sha256 objectOf(byte[] timeKey) {
            return Sha256.of(Arrays.copyOfRange(timeKey, 8, 8 + Sha256.LENGTH));
        }

        /** Epoch minute of {@code millis}: the granularity of access times. */
        public static long minute(long millis) {
            return Math.floorDiv(millis, 60_000L);
        }
    }

    /** meta: key -> caller bytes. */
    public static final class Meta {
        private Meta() {}

        public static final String FAMILY = META;

        public static byte[] key(String key) {
            return utf8(key);
        }

        public static String decodeKey(byte[] key) {
            return new String(key, StandardCharsets.UTF_8);
        }
    }

    /** counters: the figures {@link StoreStats} reports, maintained in the same batches as the data they count. */
    public enum Counter {
        OBJECTS("objects"),
        OBJECT_BYTES("object_bytes"),
        CHUNKS("chunks"),
        CHUNK_BYTES("chunk_bytes"),
        /** Objects held by at least one pin set, and the sum of their sizes (logical, before chunk sharing). */
        PINNED_OBJECTS("pinned_objects"),
        PINNED_BYTES("pinned_bytes"),
        /** Objects deleted by eviction since the store was created, and the sum of their sizes. */
        EVICTED_OBJECTS("evicted_objects"),
        EVICTED_BYTES("evicted_bytes");

        public static final String FAMILY = StoreLayout.COUNTERS;

        @SuppressWarnings("ImmutableEnumChecker") // never handed out: key() returns a copy
        private final byte[] key;

        Counter(String name) {
            this.key = utf8(name);
        }

        public byte[] key() {
            return key.clone();
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
