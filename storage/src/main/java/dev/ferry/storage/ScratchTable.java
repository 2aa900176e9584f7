package dev.ferry.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A temporary key-value table on disk, for a job's bookkeeping that would not fit the heap (a bundle's chunk sets
 * and maps: millions of entries): a RocksDB of its own in a directory the job owns, without a log (a crash loses
 * the job, whose scratch is then removed), with a small memtable and cache, so its memory is a few tens of MiB
 * (native, not heap) plus its bloom filters, about 1.3 bytes an entry. Keys iterate in unsigned byte order. Not the store: nothing in it is content, and
 * {@link #close} deletes the directory. Not thread-safe.
 */
public final class ScratchTable implements AutoCloseable {
    /**
     * The table itself failed (its directory, RocksDB under it: a full or read-only disk), as opposed to whatever the
     * caller was reading or writing beside it, so a caller can tell its own server's failure from bad input.
     */
    public static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path dir;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RocksDB db;
    private final WriteOptions write;
    private long entries;

    private ScratchTable(Path dir) throws IOException {
        RocksDB.loadLibrary();
        this.dir = dir;
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new Failure("cannot make scratch table " + dir + ": " + e, e);
        }
        Cache cache = track(new LRUCache(16L << 20));
        BloomFilter bloom = track(new BloomFilter(10));
        // Lookups of keys that are not there (is this chunk new?) dominate: the bloom filters and indexes stay in
        // the table readers (about 1.3 bytes a key, native) rather than in the small cache, where they would be
        // evicted and read again for nearly every lookup.
        Options options = track(new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(32L << 20)
                .setMaxWriteBufferNumber(2)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(1)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(cache)
                        .setFilterPolicy(bloom)
                        .setCacheIndexAndFilterBlocks(false)));
        this.write = track(new WriteOptions().setDisableWAL(true));
        try {
            this.db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            closeResources();
            throw new Failure("cannot open scratch table in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A new, empty table in {@code dir} (whatever was there before is removed first). */
    public static ScratchTable create(Path dir) throws IOException {
        return new ScratchTable(dir);
    }

    private <T extends AutoCloseable> T track(T r) {
        resources.add(r);
        return r;
    }

    /** The value stored under {@code key}, or null. */
    public byte[] get(byte[] key) throws IOException {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
        }
    }

    public void put(byte[] key, byte[] value) throws IOException {
        try {
            db.put(write, key, value);
            entries++;
        } catch (RocksDBException e) {
            throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The values stored under {@code keys} (null where none), in their order: one multi-get. */
    public List<byte[]> getAll(List<byte[]> keys) throws IOException {
        if (keys.isEmpty()) {
            return List.of();
        }
        try {
            return db.multiGetAsList(keys);
        } catch (RocksDBException e) {
            throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Stores {@code values.get(i)} under {@code keys.get(i)}, all in one write batch. */
    public void putAll(List<byte[]> keys, List<byte[]> values) throws IOException {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(keys.size() + " keys, " + values.size() + " values");
        }
        if (keys.isEmpty()) {
            return;
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (int i = 0; i < keys.size(); i++) {
                batch.put(keys.get(i), values.get(i));
            }
            db.write(write, batch);
            entries += keys.size();
        } catch (RocksDBException e) {
            throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Stores {@code value} under each of {@code keys}, in one write batch. */
    public void putAll(List<byte[]> keys, byte[] value) throws IOException {
        putAll(keys, java.util.Collections.nCopies(keys.size(), value));
    }

    /** Stores {@code value} under {@code key} unless a value is there; whether it stored it. */
    public boolean putIfAbsent(byte[] key, byte[] value) throws IOException {
        if (get(key) != null) {
            return false;
        }
        put(key, value);
        return true;
    }

    /** Puts made so far (a key put twice counts twice). */
    public long puts() {
        return entries;
    }

    /** What {@link #forEach} hands each entry to. */
    @FunctionalInterface
    public interface EntryVisitor {
        void visit(byte[] key, byte[] value) throws IOException;
    }

    /** Every entry whose key starts with {@code prefix}, in ascending unsigned key order. */
    public void forEach(byte[] prefix, EntryVisitor visitor) throws IOException {
        try (ReadOptions read = new ReadOptions().setPrefixSameAsStart(false);
                RocksIterator it = db.newIterator(read)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (!startsWith(key, prefix)) {
                    break;
                }
                visitor.visit(key, it.value());
            }
            it.status();
        } catch (RocksDBException e) {
            throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The keys {@link #keys} walks, one at a time; closing it releases the table's iterator. */
    public interface KeyCursor extends AutoCloseable {
        /** The next key, or null past the last. */
        byte[] next() throws IOException;

        @Override
        void close();
    }

    /**
     * The keys starting with {@code prefix}, in ascending unsigned order, with the prefix cut off: a cursor for a
     * caller that merges them with another sorted sequence, which {@link #forEach}'s callbacks cannot do. The table
     * must not be written while it is open.
     */
    public KeyCursor keys(byte[] prefix) {
        ReadOptions read = new ReadOptions().setPrefixSameAsStart(false);
        RocksIterator it = db.newIterator(read);
        it.seek(prefix);
        return new KeyCursor() {
            private boolean started;
            private boolean done;

            @Override
            public byte[] next() throws IOException {
                if (done) {
                    return null;
                }
                if (started) {
                    it.next();
                }
                started = true;
                if (it.isValid() && startsWith(it.key(), prefix)) {
                    byte[] key = it.key();
                    return Arrays.copyOfRange(key, prefix.length, key.length);
                }
                done = true;
                try {
                    it.status();
                } catch (RocksDBException e) {
                    throw new Failure("scratch table " + dir + ": " + e.getMessage(), e);
                }
                return null;
            }

            @Override
            public void close() {
                it.close();
                read.close();
            }
        };
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Closes the table and deletes its directory. */
    @Override
    public void close() throws IOException {
        db.close();
        closeResources();
        deleteTree(dir);
    }

    private void closeResources() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // native handles: nothing to report that the caller could act on
            }
        }
        resources.clear();
    }

    /** Removes {@code p} and everything below it (links not followed); nothing when it does not exist. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
