package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB-backed {@link ContentStore}: one RocksDB per data directory, laid out as {@link StoreLayout} says.
 *
 * <p>Writes stream chunk by chunk into RocksDB without sync (each chunk, its reference and its index entry in one
 * batch); a commit is one synced batch, and a synced write also makes every earlier write of the WAL durable, so
 * an object is durable exactly when its commit returns. Until then {@code pending/<id>} marks its chunks as
 * reclaimable, which {@link #open} does for writes a crash interrupted.
 */
public final class RocksContentStore implements ContentStore {
    private final Path dir;
    private final StoreOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final List<AutoCloseable> resources;
    final ColumnFamilyHandle chunks;
    final ColumnFamilyHandle refs;
    final ColumnFamilyHandle objects;
    final ColumnFamilyHandle index;
    final ColumnFamilyHandle pending;
    final ColumnFamilyHandle names;
    final ColumnFamilyHandle meta;
    final ColumnFamilyHandle counters;
    final WriteOptions unsynced;
    final WriteOptions synced;

    private final InFlightChunks inFlight = new InFlightChunks();
    private final Reclaimer reclaimer;
    private final ReentrantLock commitLock = new ReentrantLock();
    private final CommitsInFlight commitsInFlight = new CommitsInFlight();
    private volatile boolean repairing;
    private final AtomicLong chunksRepaired = new AtomicLong();
    /** Read-held around every RocksDB call, write-held by close, so nothing touches a closed RocksDB. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile boolean closing;
    private final Set<RocksObjectWriter> writers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock writersLock = new ReentrantLock();
    private final Condition writersDone = writersLock.newCondition();
    private final AtomicLong nextId;
    private final ConcurrentHashMap<Sha256, ObjectRecord> objectCache = new ConcurrentHashMap<>();
    private int reclaimedAtOpen;

    private RocksContentStore(Path dir, StoreOptions options, RocksDB db, List<ColumnFamilyHandle> handles,
            List<AutoCloseable> resources) throws RocksDBException {
        this.dir = dir;
        this.options = options;
        this.db = db;
        this.handles = handles;
        this.resources = resources;
        this.chunks = handle(handles, StoreLayout.Chunk.FAMILY);
        this.refs = handle(handles, StoreLayout.ChunkRef.FAMILY);
        this.objects = handle(handles, ObjectRecord.FAMILY);
        this.index = handle(handles, StoreLayout.IndexEntry.FAMILY);
        this.pending = handle(handles, StoreLayout.Pending.FAMILY);
        this.names = handle(handles, StoreLayout.Name.FAMILY);
        this.meta = handle(handles, StoreLayout.Meta.FAMILY);
        this.counters = handle(handles, Counter.FAMILY);
        this.unsynced = new WriteOptions().setSync(false);
        this.synced = new WriteOptions().setSync(true);
        this.reclaimer = new Reclaimer(this, inFlight);
        this.nextId = new AtomicLong(Math.max(lastId(index), lastId(pending)) + 1);
    }

    private static ColumnFamilyHandle handle(List<ColumnFamilyHandle> handles, String family) {
        return handles.get(StoreLayout.COLUMN_FAMILIES.indexOf(family));
    }

    /** Opens (creating if needed) the one RocksDB under {@code dir}, reclaiming writes a crash interrupted. */
    public static RocksContentStore open(Path dir, StoreOptions options) throws IOException {
        RocksDB.loadLibrary();
        Files.createDirectories(dir);
        List<AutoCloseable> resources = new ArrayList<>();
        Cache cache = track(resources, new LRUCache(options.blockCacheBytes()));
        BloomFilter bloom = track(resources, new BloomFilter(10));
        UInt64AddOperator add = track(resources, new UInt64AddOperator());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : StoreLayout.COLUMN_FAMILIES) {
            ColumnFamilyOptions cf = track(resources, columnFamilyOptions(name, options, cache, bloom, add));
            descriptors.add(new ColumnFamilyDescriptor(StoreLayout.utf8(name), cf));
        }
        DBOptions db = track(resources, new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxTotalWalSize(options.maxWalBytes())
                .setMaxBackgroundJobs(4)
                .setBytesPerSync(1 << 20)
                .setKeepLogFileNum(4));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB rocks;
        try {
            rocks = RocksDB.open(db, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            closeAll(resources);
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("lock") || msg.contains("LOCK")) {
                throw new IOException("data directory " + dir + " is in use by another ferry (" + msg + ")", e);
            }
            throw new IOException("cannot open the store in " + dir + ": " + msg, e);
        }
        RocksContentStore store = null;
        try {
            checkFormat(rocks, dir);
            store = new RocksContentStore(dir, options, rocks, handles, resources);
            store.reclaimedAtOpen = store.reclaimer.reclaimInterrupted();
            return store;
        } catch (RocksDBException | IOException | RuntimeException e) {
            if (store != null) {
                store.close();
            } else {
                handles.forEach(ColumnFamilyHandle::close);
                rocks.close();
                closeAll(resources);
            }
            throw e instanceof IOException io ? io : new IOException("cannot open the store in " + dir, e);
        }
    }

    private static ColumnFamilyOptions columnFamilyOptions(String name, StoreOptions options, Cache cache,
            BloomFilter bloom, UInt64AddOperator add) {
        ColumnFamilyOptions cf = new ColumnFamilyOptions();
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        cf.setTableFormatConfig(table);
        cf.setWriteBufferSize(8L << 20);
        switch (name) {
            case StoreLayout.CHUNKS -> cf
                    // Module zips and image layers are compressed already: compressing again costs CPU, saves nothing.
                    .setCompressionType(CompressionType.NO_COMPRESSION)
                    .setEnableBlobFiles(true)
                    .setMinBlobSize(options.minBlobBytes())
                    .setBlobFileSize(256L << 20)
                    .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                    .setEnableBlobGarbageCollection(true)
                    .setWriteBufferSize(options.chunkWriteBufferBytes());
            case StoreLayout.CHUNK_REFS, StoreLayout.COUNTERS -> cf
                    .setCompressionType(CompressionType.NO_COMPRESSION)
                    .setMergeOperator(add);
            case StoreLayout.OBJECTS, StoreLayout.PENDING -> cf.setCompressionType(CompressionType.NO_COMPRESSION);
            default -> cf.setCompressionType(CompressionType.LZ4_COMPRESSION);
        }
        return cf;
    }

    private static void checkFormat(RocksDB rocks, Path dir) throws RocksDBException, IOException {
        byte[] format = rocks.get(StoreLayout.FORMAT_KEY);
        if (format == null) {
            rocks.put(StoreLayout.FORMAT_KEY, StoreLayout.utf8(StoreLayout.FORMAT));
        } else if (!StoreLayout.FORMAT.equals(new String(format, java.nio.charset.StandardCharsets.UTF_8))) {
            throw new IOException(dir + " holds store format " + new String(format,
                    java.nio.charset.StandardCharsets.UTF_8) + ", this ferry reads " + StoreLayout.FORMAT);
        }
    }

    private long lastId(ColumnFamilyHandle cf) {
        try (RocksIterator it = db.newIterator(cf)) {
            it.seekToLast();
            return it.isValid() ? StoreLayout.IndexEntry.idOf(it.key()) : 0;
        }
    }

    // ---------------------------------------------------------------- ContentStore

    @Override
    public ObjectWriter newObject(Chunking chunking) {
        if (closing) {
            throw new IllegalStateException("store " + dir + " is closing");
        }
        RocksObjectWriter writer = new RocksObjectWriter(this, nextId.getAndIncrement(),
                Chunker.of(chunking, options.chunkSizes()));
        writers.add(writer);
        return writer;
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        return Optional.ofNullable(record(digest)).map(r -> new StoredObject(digest, r.size()));
    }

    @Override
    public InputStream read(Sha256 digest, long offset, long length) throws IOException {
        ObjectRecord record = record(digest);
        if (record == null) {
            throw new NoSuchElementException("no object " + digest);
        }
        if (offset < 0 || length < 0 || offset > record.size() || length > record.size() - offset) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " is outside " + digest
                    + " of " + record.size() + " bytes");
        }
        return length == 0 ? InputStream.nullInputStream() : new ChunkedInputStream(this, record, offset, length);
    }

    @Override
    public Optional<StoredObject> resolve(String name) {
        return unchecked(() -> {
            byte[] target = db.get(names, StoreLayout.Name.key(name));
            return target == null ? Optional.<StoredObject>empty() : object(StoreLayout.Name.decode(target));
        });
    }

    @Override
    public Optional<byte[]> meta(String key) {
        return unchecked(() -> Optional.ofNullable(db.get(meta, StoreLayout.Meta.key(key))));
    }

    @Override
    public void scanMeta(String prefix, BiPredicate<String, byte[]> visitor) {
        byte[] start = StoreLayout.Meta.key(prefix);
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(meta)) {
                for (it.seek(start); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    if (!startsWith(key, start) || !visitor.test(StoreLayout.Meta.decodeKey(key), it.value())) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    @Override
    public void update(Consumer<StoreBatch> changes) throws IOException {
        withDb(() -> {
            List<String> touched = new ArrayList<>();
            CompletableFuture<Void> write = new CompletableFuture<>();
            try (WriteBatch batch = new WriteBatch()) {
                commitLock.lock();
                try {
                    changes.accept(new RocksStoreBatch(this, batch, null, commitsInFlight, touched));
                    commitsInFlight.begin(touched, write);
                } finally {
                    commitLock.unlock();
                }
                try {
                    db.write(synced, batch);
                } finally {
                    commitsInFlight.done(touched, write);
                }
            }
            return null;
        });
    }

    @Override
    public StoreStats stats() {
        return unchecked(() -> {
            long disk;
            try {
                disk = db.getAggregatedLongProperty("rocksdb.total-sst-files-size")
                        + db.getAggregatedLongProperty("rocksdb.total-blob-file-size");
            } catch (RocksDBException e) {
                disk = -1;
            }
            return new StoreStats(counter(Counter.OBJECTS), counter(Counter.OBJECT_BYTES), counter(Counter.CHUNKS),
                    counter(Counter.CHUNK_BYTES), disk);
        });
    }

    /** Visits committed objects in digest order until the visitor returns false. */
    public void scanObjects(Predicate<StoredObject> visitor) {
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(objects)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (!visitor.test(new StoredObject(Sha256.of(it.key()), ObjectRecord.decode(it.value()).size()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    /** Checks every reference, count and index entry; reads the whole index, so an admin or test tool. */
    public ScrubReport scrub() throws IOException {
        return withDb(() -> new Scrubber(this).run());
    }

    /** The registry of chunks writers are using right now; a GC must consult it (see {@link InFlightChunks}). */
    public InFlightChunks inFlightChunks() {
        return inFlight;
    }

    /** How many writes a crash had interrupted, reclaimed by {@link #open} (worth a log line at startup). */
    public int reclaimedAtOpen() {
        return reclaimedAtOpen;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        closing = true;
        writersLock.lock();
        try {
            long deadline = System.nanoTime() + options.closeTimeout().toNanos();
            while (!writers.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break; // their pending records make the next open reclaim them
                }
                writersDone.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            writersLock.unlock();
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                db.syncWal();
            } catch (RocksDBException e) {
                // Every commit was synced already; this only hardens unsynced pending writes, which are reclaimed.
            }
            // With the WAL on, RocksDB leaves memtables unflushed at close, and the next open replays up to
            // maxWalBytes of log before ferry is ready: flushing here keeps a clean restart fast.
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                db.flush(flush, handles);
            } catch (RocksDBException e) {
                System.getLogger("ferry.storage").log(System.Logger.Level.WARNING,
                        "flush at close failed (the next start replays the log instead): " + e.getMessage());
            }
            unsynced.close();
            synced.close();
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
            closeAll(resources);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- for the writer, reader, reclaimer

    interface RocksCall<T> {
        T call() throws RocksDBException, IOException;
    }

    RocksDB db() {
        return db;
    }

    <T> T withDb(RocksCall<T> call) throws IOException {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IOException("store " + dir + " is closed");
            }
            return call.call();
        } catch (RocksDBException e) {
            throw new IOException("RocksDB: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private <T> T unchecked(RocksCall<T> call) {
        try {
            return withDb(call);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectRecord record(Sha256 digest) {
        ObjectRecord cached = objectCache.get(digest);
        if (cached != null) {
            return cached;
        }
        return unchecked(() -> {
            byte[] value = db.get(objects, ObjectRecord.key(digest));
            if (value == null) {
                return null;
            }
            ObjectRecord record = ObjectRecord.decode(value);
            cacheRecord(digest, record);
            return record;
        });
    }

    private void cacheRecord(Sha256 digest, ObjectRecord record) {
        if (objectCache.size() >= options.objectCacheEntries()) {
            objectCache.clear(); // crude, but records are cheap to re-read and this keeps the hot path lock-free
        }
        objectCache.put(digest, record);
    }

    private long counter(Counter c) throws RocksDBException {
        return StoreLayout.Count.decode(db.get(counters, c.key()));
    }

    /**
     * In repair mode a writer re-reads every stored chunk it would reuse and rewrites the ones whose bytes no longer
     * hash to their address, so writing an object's good bytes again mends it. Off by default: it costs a read and a
     * hash per reused chunk. For {@code ferry verify --repair}, which has the data directory to itself.
     */
    public void repairDamagedChunksOnWrite(boolean on) {
        repairing = on;
    }

    /** Chunks rewritten by repair mode since open. */
    public long chunksRepaired() {
        return chunksRepaired.get();
    }

    boolean repairing() {
        return repairing;
    }

    void chunkRepaired() {
        chunksRepaired.incrementAndGet();
    }

    InFlightChunks inFlight() {
        return inFlight;
    }

    /**
     * Makes a finished write visible. Returns true when the object was new; false when an identical object was
     * committed first, in which case the caller must reclaim its own chunks.
     */
    boolean commitObject(long id, Sha256 digest, ObjectRecord record, Consumer<StoreBatch> changes)
            throws IOException {
        return withDb(() -> {
            List<String> touched = new ArrayList<>();
            CompletableFuture<Void> write = new CompletableFuture<>();
            boolean fresh;
            try (WriteBatch batch = new WriteBatch()) {
                commitLock.lock();
                try {
                    String objectKey = CommitsInFlight.object(digest);
                    // A twin commit still writing: wait for it; if it failed, this one is fresh after all.
                    commitsInFlight.awaitQuiet(objectKey);
                    fresh = db.get(objects, ObjectRecord.key(digest)) == null;
                    if (fresh) {
                        touched.add(objectKey);
                        batch.put(objects, ObjectRecord.key(digest), record.encode());
                        batch.delete(pending, StoreLayout.Pending.key(id));
                        batch.merge(counters, Counter.OBJECTS.key(), StoreLayout.Count.PLUS_ONE);
                        batch.merge(counters, Counter.OBJECT_BYTES.key(), StoreLayout.Count.encode(record.size()));
                    }
                    if (changes != null) {
                        changes.accept(new RocksStoreBatch(this, batch, new StoredObject(digest, record.size()),
                                commitsInFlight, touched));
                    }
                    commitsInFlight.begin(touched, write);
                } finally {
                    commitLock.unlock();
                }
                try {
                    db.write(synced, batch);
                    if (fresh) {
                        cacheRecord(digest, record);
                    }
                } finally {
                    commitsInFlight.done(touched, write);
                }
            }
            return fresh;
        });
    }

    void reclaim(long id) throws IOException {
        reclaimer.reclaim(id);
    }

    void writerDone(RocksObjectWriter writer) {
        writers.remove(writer);
        writersLock.lock();
        try {
            writersDone.signalAll();
        } finally {
            writersLock.unlock();
        }
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // native handles only; nothing left to do about a failing close
            }
        }
    }
}
