package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
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
 *
 * <p>Lifecycle (pins, delete, LRU eviction under a quota) works through the same paths: a delete is one synced batch
 * under the commit lock that drops the object, its names, pins and access record and writes {@code pending/<id>};
 * its chunks then go back through the {@link Reclaimer} like an aborted write's (at once, or when the last read of
 * the object ends, see {@link ObjectReaders}). One background thread flushes access times ({@link AccessTracker}),
 * evicts when a commit passes the quota ({@link Evictor}) and frees chunks of deleted objects whose reads ended.
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
    final ColumnFamilyHandle nameRefs;
    final ColumnFamilyHandle pins;
    final ColumnFamilyHandle pinSets;
    final ColumnFamilyHandle access;
    final ColumnFamilyHandle accessByTime;
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
    private final Set<PendingObject> writers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock writersLock = new ReentrantLock();
    private final Condition writersDone = writersLock.newCondition();
    private final AtomicLong nextId;
    private final ConcurrentHashMap<Sha256, ObjectRecord> objectCache = new ConcurrentHashMap<>();
    private int reclaimedAtOpen;
    private boolean lifecycleBuiltAtOpen;
    /**
     * Bumped twice by every delete, around dropping the object's cached record: a record read from RocksDB before a
     * delete is cached only if no delete ran meanwhile, and a read that may have found a stale record re-checks.
     */
    private final AtomicLong deletions = new AtomicLong();
    private final ObjectReaders readers = new ObjectReaders();
    /** 16 arrays of 1 MiB at most stay for reuse: enough for the reads a small server runs at once. */
    private final ReadBuffers readBuffers = new ReadBuffers(16);
    private final ScheduledThreadPoolExecutor background;
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AccessTracker accessTracker;
    private final Evictor evictor;

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
        this.nameRefs = handle(handles, StoreLayout.NameRef.FAMILY);
        this.pins = handle(handles, StoreLayout.Pin.FAMILY);
        this.pinSets = handle(handles, StoreLayout.Pin.SETS_FAMILY);
        this.access = handle(handles, StoreLayout.Access.FAMILY);
        this.accessByTime = handle(handles, StoreLayout.Access.BY_TIME_FAMILY);
        this.unsynced = new WriteOptions().setSync(false);
        this.synced = new WriteOptions().setSync(true);
        this.reclaimer = new Reclaimer(this, inFlight);
        this.nextId = new AtomicLong(Math.max(lastId(index), lastId(pending)) + 1);
        this.background = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-store-lifecycle");
            t.setDaemon(true);
            return t;
        });
        background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.accessTracker = new AccessTracker(options.clock(), options.accessTrackedMax(), this::writeAccess,
                this::flushAccessSoon);
        this.evictor = new Evictor(this, options, background);
    }

    private void startBackground() {
        long every = Math.max(1, options.accessFlushInterval().toMillis());
        background.scheduleWithFixedDelay(this::flushAccessQuietly, every, every, TimeUnit.MILLISECONDS);
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
            store.lifecycleBuiltAtOpen = LifecycleIndex.buildIfMissing(store, store.accessTracker.minuteNow());
            store.startBackground();
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
            rocks.put(StoreLayout.LIFECYCLE_KEY, StoreLayout.utf8("1")); // a new store keeps its indexes from the start
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
        Chunker chunker = Chunker.of(chunking, options.chunkSizes());
        return new RocksObjectWriter(startObject("object writer"), chunker);
    }

    @Override
    public ObjectAssembler assemble() {
        return new RocksObjectAssembler(startObject("object assembler"));
    }

    /** A new write under a fresh id; close() waits for it like for any writer, and reclaim treats it alike. */
    private PendingObject startObject(String kind) {
        if (closing) {
            throw new IllegalStateException("store " + dir + " is closing");
        }
        PendingObject object = new PendingObject(this, kind, nextId.getAndIncrement());
        writers.add(object);
        return object;
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        ObjectRecord record = record(digest);
        if (record == null) {
            return Optional.empty();
        }
        accessTracker.used(digest);
        return Optional.of(new StoredObject(digest, record.size()));
    }

    @Override
    public InputStream read(Sha256 digest, long offset, long length) throws IOException {
        long generation = deletions.get();
        ObjectRecord record = record(digest);
        if (record == null) {
            throw new NoSuchElementException("no object " + digest);
        }
        if (offset < 0 || length < 0 || offset > record.size() || length > record.size() - offset) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " is outside " + digest
                    + " of " + record.size() + " bytes");
        }
        accessTracker.used(digest);
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        readers.open(record.id());
        // A delete that ran since the record was looked up may have looked for readers before this one registered:
        // then the record is gone from RocksDB, and this read must not start.
        if (deletions.get() != generation) {
            byte[] now;
            try {
                now = withDb(() -> db.get(objects, ObjectRecord.key(digest)));
            } catch (IOException | RuntimeException e) {
                readEnded(record.id());
                throw e;
            }
            if (now == null || ObjectRecord.decode(now).id() != record.id()) {
                readEnded(record.id());
                throw new NoSuchElementException("no object " + digest + " (deleted)");
            }
        }
        return new ChunkedInputStream(this, record, offset, length);
    }

    @Override
    public Optional<StoredObject> resolve(String name) {
        return unchecked(() -> {
            byte[] target = db.get(names, StoreLayout.Name.key(name));
            return target == null ? Optional.<StoredObject>empty() : object(StoreLayout.Name.decode(target));
        });
    }

    @Override
    public void scanNames(String prefix, BiPredicate<String, Sha256> visitor) {
        byte[] start = StoreLayout.Name.key(prefix);
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(names)) {
                for (it.seek(start); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    if (!startsWith(key, start)
                            || !visitor.test(new String(key, StandardCharsets.UTF_8), StoreLayout.Name.decode(it.value()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    @Override
    public Optional<List<StoredChunk>> chunksOf(Sha256 object) {
        return unchecked(() -> {
            // One snapshot for the record and its index: a delete commits the record's removal before reclaim
            // drops index entries, so a record seen here comes with all of its entries.
            Snapshot snapshot = db.getSnapshot();
            try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
                byte[] value = db.get(objects, read, ObjectRecord.key(object));
                if (value == null) {
                    return Optional.<List<StoredChunk>>empty();
                }
                ObjectRecord record = ObjectRecord.decode(value);
                if (record.id() == 0) {
                    return Optional.of(List.<StoredChunk>of());
                }
                if (record.soleChunk() != null) {
                    return Optional.of(List.of(new StoredChunk(Sha256.of(record.soleChunk()), (int) record.size())));
                }
                List<StoredChunk> list = new ArrayList<>();
                long at = 0;
                byte[] prefix = StoreLayout.IndexEntry.idPrefix(record.id());
                try (RocksIterator it = db.newIterator(index, read)) {
                    for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                        StoreLayout.IndexEntry entry = StoreLayout.IndexEntry.decode(it.key(), it.value());
                        if (entry.offset() != at) {
                            break;
                        }
                        list.add(new StoredChunk(Sha256.of(entry.chunk()), entry.length()));
                        at = entry.end();
                    }
                    it.status();
                }
                if (at != record.size()) {
                    throw new IOException("store corrupt: the chunks of object " + object + " cover " + at + " of "
                            + record.size() + " bytes");
                }
                return Optional.of(List.copyOf(list));
            } finally {
                db.releaseSnapshot(snapshot);
            }
        });
    }

    @Override
    public Optional<byte[]> chunk(Sha256 digest) throws IOException {
        return withDb(() -> Optional.ofNullable(db.get(chunks, StoreLayout.Chunk.key(digest))));
    }

    @Override
    public boolean hasChunk(Sha256 digest) {
        // chunk_refs, not chunks: a small point read (chunks live in blob files), and present exactly when stored.
        return unchecked(() -> db.get(refs, StoreLayout.ChunkRef.key(digest)) != null);
    }

    @Override
    public void scanChunks(Predicate<Sha256> visitor) {
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(refs)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (!visitor.test(Sha256.of(it.key()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
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
                    RocksStoreBatch storeBatch = new RocksStoreBatch(this, batch, null, commitsInFlight, touched);
                    changes.accept(storeBatch);
                    storeBatch.finish();
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
            long disk = diskUsed(dir);
            return new StoreStats(counter(Counter.OBJECTS), counter(Counter.OBJECT_BYTES), counter(Counter.CHUNKS),
                    counter(Counter.CHUNK_BYTES), disk, options.quotaBytes(), counter(Counter.PINNED_OBJECTS),
                    counter(Counter.PINNED_BYTES), counter(Counter.EVICTED_OBJECTS), counter(Counter.EVICTED_BYTES));
        });
    }

    /**
     * Bytes of every file in the store directory: SST and blob files, and also the WAL, MANIFEST, OPTIONS and info
     * logs, which RocksDB's size properties leave out (a freshly written store holds most of its bytes in the WAL
     * until a flush). Files RocksDB deletes during the walk are skipped; -1 when the directory cannot be read.
     */
    static long diskUsed(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted by a compaction or a WAL recycle since listed
                }
            });
        } catch (IOException e) {
            return -1;
        }
        return total[0];
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void pin(String pinSet, Sha256 object) throws IOException {
        update(b -> b.pin(pinSet, object));
    }

    @Override
    public void unpin(String pinSet, Sha256 object) throws IOException {
        update(b -> b.unpin(pinSet, object));
    }

    @Override
    public long unpinAll(String pinSet) throws IOException {
        byte[] prefix = StoreLayout.Pin.setPrefix(pinSet);
        long removed = 0;
        while (true) {
            // Pages of their own batches: a set can hold a whole prewarm; each page is atomic, the whole is not.
            List<Sha256> page = new ArrayList<>();
            withDb(() -> {
                try (RocksIterator it = db.newIterator(pinSets)) {
                    for (it.seek(prefix); it.isValid() && page.size() < 1024 && startsWith(it.key(), prefix);
                            it.next()) {
                        page.add(StoreLayout.Pin.objectOfSetKey(it.key()));
                    }
                    it.status();
                }
                return null;
            });
            if (page.isEmpty()) {
                return removed;
            }
            update(b -> page.forEach(object -> b.unpin(pinSet, object)));
            removed += page.size();
        }
    }

    @Override
    public boolean isPinned(Sha256 object) {
        return !pinSetsOf(object).isEmpty();
    }

    /** The pin sets holding {@code object}, as committed. */
    @Override
    public List<String> pinSetsOf(Sha256 object) {
        byte[] prefix = StoreLayout.Pin.prefix(object);
        return unchecked(() -> {
            List<String> sets = new ArrayList<>();
            try (RocksIterator it = db.newIterator(pins)) {
                for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                    sets.add(StoreLayout.Pin.setOf(it.key()));
                }
                it.status();
            }
            return sets;
        });
    }

    @Override
    public void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        byte[] prefix = StoreLayout.Pin.setPrefix(pinSet);
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(pinSets)) {
                for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                    if (!visitor.test(StoreLayout.Pin.objectOfSetKey(it.key()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    @Override
    public void scanPinSets(String prefix, Predicate<String> visitor) {
        byte[] start = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(pinSets)) {
                it.seek(start);
                while (it.isValid() && startsWith(it.key(), start)) {
                    String set = StoreLayout.Pin.setOfSetKey(it.key());
                    if (!visitor.test(set)) {
                        break;
                    }
                    // The next set: past every key of this one (its prefix ends with 0x00; 0x01 sorts after all).
                    byte[] next = StoreLayout.Pin.setPrefix(set);
                    next[next.length - 1] = 1;
                    it.seek(next);
                }
                it.status();
            }
            return null;
        });
    }

    @Override
    public boolean delete(Sha256 object, boolean force) throws IOException {
        Deleted outcome = deleteObject(object, force, false);
        if (outcome.pinned()) {
            throw new ObjectPinnedException(object);
        }
        return outcome.deleted();
    }

    @Override
    public EvictionReport evict(long targetBytes) throws IOException {
        return evictor.evict(targetBytes);
    }

    /** The store's size as the quota measures it: logical bytes of the stored chunks. */
    public long size() {
        return unchecked(() -> counter(Counter.CHUNK_BYTES));
    }

    /** Writes the access times collected in memory now (also done every few seconds and at close). */
    public int flushAccess() throws IOException {
        return accessTracker.flush();
    }

    /** When {@code object} was last used as far as the store knows on disk, as an epoch minute. */
    public Optional<Long> lastUsedMinute(Sha256 object) {
        return unchecked(() -> Optional.ofNullable(db.get(access, StoreLayout.Access.key(object)))
                .map(StoreLayout.Access::decode));
    }

    /** Whether {@link #open} had to build the name and access indexes of an older store. */
    public boolean lifecycleBuiltAtOpen() {
        return lifecycleBuiltAtOpen;
    }

    /** Reads in progress (for tests and metrics). */
    public int openReads() {
        return readers.size();
    }

    /** Waits until the background thread has run everything queued so far (for tests). */
    void awaitBackground() throws InterruptedException {
        try {
            background.submit(() -> {}).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** What {@link #deleteObject} did; {@code deferred}: chunks freed when the last open read of the object ends. */
    record Deleted(boolean deleted, boolean pinned, boolean deferred, long size) {
        static final Deleted ABSENT = new Deleted(false, false, false, 0);
        static final Deleted PINNED = new Deleted(false, true, false, 0);
    }

    /**
     * Deletes one object in one synced batch under the commit lock (so the pin check, the names found through
     * {@code name_refs} and the access entry are exactly what is committed), then gives its chunks back.
     */
    Deleted deleteObject(Sha256 digest, boolean force, boolean evicting) throws IOException {
        Deleted[] refused = {null};
        ObjectRecord record = withDb(() -> {
            List<String> touched = new ArrayList<>();
            CompletableFuture<Void> write = new CompletableFuture<>();
            ObjectRecord found;
            try (WriteBatch batch = new WriteBatch()) {
                commitLock.lock();
                try {
                    String objectKey = CommitsInFlight.object(digest);
                    // Commits naming or pinning this object touch its key: wait, so their names and pins are seen.
                    commitsInFlight.awaitQuiet(objectKey);
                    byte[] value = db.get(objects, ObjectRecord.key(digest));
                    if (value == null) {
                        refused[0] = Deleted.ABSENT;
                        return null;
                    }
                    found = ObjectRecord.decode(value);
                    List<String> sets = pinSetsOf(digest);
                    if (!sets.isEmpty() && !force) {
                        refused[0] = Deleted.PINNED;
                        return null;
                    }
                    touched.add(objectKey);
                    long size = found.size();
                    batch.delete(objects, ObjectRecord.key(digest));
                    if (found.id() != 0) {
                        batch.put(pending, StoreLayout.Pending.key(found.id()),
                                StoreLayout.Pending.value(options.clock().millis()));
                    }
                    batch.merge(counters, Counter.OBJECTS.key(), StoreLayout.Count.MINUS_ONE);
                    batch.merge(counters, Counter.OBJECT_BYTES.key(), StoreLayout.Count.encode(-size));
                    if (evicting) {
                        batch.merge(counters, Counter.EVICTED_OBJECTS.key(), StoreLayout.Count.PLUS_ONE);
                        batch.merge(counters, Counter.EVICTED_BYTES.key(), StoreLayout.Count.encode(size));
                    }
                    for (String set : sets) {
                        batch.delete(pins, StoreLayout.Pin.key(digest, set));
                        batch.delete(pinSets, StoreLayout.Pin.setKey(set, digest));
                    }
                    if (!sets.isEmpty()) {
                        batch.merge(counters, Counter.PINNED_OBJECTS.key(), StoreLayout.Count.MINUS_ONE);
                        batch.merge(counters, Counter.PINNED_BYTES.key(), StoreLayout.Count.encode(-size));
                    }
                    deleteNames(batch, digest, touched);
                    byte[] used = db.get(access, StoreLayout.Access.key(digest));
                    if (used != null) {
                        batch.delete(accessByTime, StoreLayout.Access.timeKey(StoreLayout.Access.decode(used), digest));
                        batch.delete(access, StoreLayout.Access.key(digest));
                    }
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
            deletions.incrementAndGet();
            objectCache.remove(digest);
            deletions.incrementAndGet();
            return found;
        });
        if (record == null) {
            return refused[0];
        }
        boolean deferred = false;
        if (record.id() != 0) {
            if (readers.retire(record.id())) {
                reclaimer.reclaim(record.id());
            } else {
                deferred = true;
            }
        }
        return new Deleted(true, false, deferred, record.size());
    }

    private void deleteNames(WriteBatch batch, Sha256 digest, List<String> touched) throws RocksDBException {
        byte[] prefix = StoreLayout.NameRef.prefix(digest);
        try (RocksIterator it = db.newIterator(nameRefs)) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                String name = StoreLayout.NameRef.nameOf(it.key());
                String nameKey = CommitsInFlight.name(name);
                commitsInFlight.awaitQuiet(nameKey);
                touched.add(nameKey);
                byte[] target = db.get(names, StoreLayout.Name.key(name));
                if (target != null && Arrays.equals(target, digest.bytes())) {
                    batch.delete(names, StoreLayout.Name.key(name));
                }
                batch.delete(nameRefs, it.key());
            }
            it.status();
        }
    }

    /** A read of object {@code id} ended; frees the chunks of a deleted object when it was the last. */
    void readEnded(long id) {
        if (readers.close(id)) {
            try {
                background.execute(() -> {
                    try {
                        reclaimer.reclaim(id);
                    } catch (IOException e) {
                        // closing: pending/<id> stays and the next open reclaims it
                    }
                });
            } catch (RejectedExecutionException e) {
                // closing: the same
            }
        }
    }

    /** One flush of {@link AccessTracker}: unsynced, under the commit lock so a delete never misses an entry. */
    void writeAccess(List<Map.Entry<Sha256, Long>> uses) throws IOException {
        withDb(() -> {
            try (WriteBatch batch = new WriteBatch()) {
                commitLock.lock();
                try {
                    for (Map.Entry<Sha256, Long> use : uses) {
                        Sha256 object = use.getKey();
                        long minute = use.getValue();
                        commitsInFlight.awaitQuiet(CommitsInFlight.object(object));
                        if (db.get(objects, ObjectRecord.key(object)) == null) {
                            continue; // deleted since it was read
                        }
                        byte[] old = db.get(access, StoreLayout.Access.key(object));
                        if (old != null) {
                            long before = StoreLayout.Access.decode(old);
                            if (before >= minute) {
                                continue;
                            }
                            batch.delete(accessByTime, StoreLayout.Access.timeKey(before, object));
                        }
                        putAccess(batch, object, minute);
                    }
                    db.write(unsynced, batch);
                } finally {
                    commitLock.unlock();
                }
            }
            return null;
        });
    }

    private void putAccess(WriteBatch batch, Sha256 object, long minute) throws RocksDBException {
        batch.put(access, StoreLayout.Access.key(object), StoreLayout.Access.value(minute));
        batch.put(accessByTime, StoreLayout.Access.timeKey(minute, object), new byte[0]);
    }

    private void flushAccessSoon() {
        if (flushQueued.compareAndSet(false, true)) {
            try {
                background.execute(() -> {
                    flushQueued.set(false);
                    flushAccessQuietly();
                });
            } catch (RejectedExecutionException e) {
                flushQueued.set(false);
            }
        }
    }

    private void flushAccessQuietly() {
        try {
            accessTracker.flush();
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                System.getLogger("ferry.storage").log(System.Logger.Level.WARNING,
                        "writing access times failed (those uses are forgotten): " + e);
            }
        }
    }

    @Override
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
        background.shutdown();
        try {
            if (!background.awaitTermination(options.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                background.shutdownNow(); // an eviction stops at its next delete; deleted objects' pending stays
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!closed) {
            flushAccessQuietly();
        }
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

    ReadBuffers readBuffers() {
        return readBuffers;
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

    boolean isClosing() {
        return closing;
    }

    <T> T query(RocksCall<T> call) {
        return unchecked(call);
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
        long generation = deletions.get();
        return unchecked(() -> {
            byte[] value = db.get(objects, ObjectRecord.key(digest));
            if (value == null) {
                return null;
            }
            ObjectRecord record = ObjectRecord.decode(value);
            cacheRecord(digest, record, generation);
            return record;
        });
    }

    /**
     * Caches a record read when {@link #deletions} was {@code generation}, unless a delete ran since: that delete
     * may already have dropped the cache entry this would bring back. Atomic per key against the delete's remove.
     */
    private void cacheRecord(Sha256 digest, ObjectRecord record, long generation) {
        if (objectCache.size() >= options.objectCacheEntries()) {
            objectCache.clear(); // crude, but records are cheap to re-read and this keeps the hot path lock-free
        }
        objectCache.compute(digest, (k, old) -> deletions.get() == generation ? record : old);
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
                    // Touched also when not fresh: the caller relies on the twin, which a delete must not take away
                    // before this batch (maybe naming it) is written.
                    touched.add(objectKey);
                    if (fresh) {
                        batch.put(objects, ObjectRecord.key(digest), record.encode());
                        batch.delete(pending, StoreLayout.Pending.key(id));
                        batch.merge(counters, Counter.OBJECTS.key(), StoreLayout.Count.PLUS_ONE);
                        batch.merge(counters, Counter.OBJECT_BYTES.key(), StoreLayout.Count.encode(record.size()));
                        putAccess(batch, digest, accessTracker.minuteNow()); // never read yet: ages from its commit
                    }
                    if (changes != null) {
                        RocksStoreBatch storeBatch = new RocksStoreBatch(this, batch,
                                new StoredObject(digest, record.size()), commitsInFlight, touched);
                        changes.accept(storeBatch);
                        storeBatch.finish();
                    }
                    commitsInFlight.begin(touched, write);
                } finally {
                    commitLock.unlock();
                }
                try {
                    db.write(synced, batch);
                    if (fresh) {
                        cacheRecord(digest, record, deletions.get());
                    }
                } finally {
                    commitsInFlight.done(touched, write);
                }
            }
            if (fresh) {
                evictor.commitDone(counter(Counter.CHUNK_BYTES));
            } else {
                accessTracker.used(digest); // storing it again is a use
            }
            return fresh;
        });
    }

    void reclaim(long id) throws IOException {
        reclaimer.reclaim(id);
    }

    void writerDone(PendingObject writer) {
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
