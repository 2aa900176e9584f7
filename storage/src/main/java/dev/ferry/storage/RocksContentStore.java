package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB-backed {@link ContentStore}: one RocksDB per data directory, laid out as {@link StoreLayout} says.
 *
 * <p>Writes stream chunk by chunk into RocksDB without sync (each chunk, its reference and its index entry in one
 * batch); a commit is one synced batch, and a synced write also makes every earlier write of the WAL durable, so
 * an object is durable exactly when its commit returns. Until then {@code pending/<id>} marks its chunks as
 * reclaimable, which {@link #open} does for writes a crash interrupted.
 *
 * <p>Lifecycle (pins, delete, LRU eviction under a quota) works through the same paths: a delete
 * ({@link Deleter}) is one synced batch under the commit lock ({@link Commits}) that drops the object, its names,
 * pins and access record and writes {@code pending/<id>}; its chunks then go back through the {@link Reclaimer}
 * like an aborted write's. One background thread flushes access times ({@link AccessTimes}), evicts when a commit
 * passes the quota ({@link Evictor}) and frees chunks of deleted objects whose reads ended.
 */
public final class RocksContentStore implements ContentStore {
    private final Path dir;
    private final StoreOptions options;
    private final RocksHandles rocks;
    private final RocksDB db;
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
    private final UnflushedChunks unflushed;
    private final BlobGarbage blobGarbage;
    private final Reclaimer reclaimer;
    private final Commits commits;
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
    private final AccessTimes accessTimes;
    private final Deleter deleter;
    private final Evictor evictor;
    private final RocksPins pinIndex;
    private final RocksChunks chunkReads;

    private RocksContentStore(Path dir, StoreOptions options, RocksHandles rocks) {
        this.dir = dir;
        this.options = options;
        this.rocks = rocks;
        this.db = rocks.db;
        this.chunks = rocks.handle(StoreLayout.Chunk.FAMILY);
        this.refs = rocks.handle(StoreLayout.ChunkRef.FAMILY);
        this.objects = rocks.handle(ObjectRecord.FAMILY);
        this.index = rocks.handle(StoreLayout.IndexEntry.FAMILY);
        this.pending = rocks.handle(StoreLayout.Pending.FAMILY);
        this.names = rocks.handle(StoreLayout.Name.FAMILY);
        this.meta = rocks.handle(StoreLayout.Meta.FAMILY);
        this.counters = rocks.handle(Counter.FAMILY);
        this.nameRefs = rocks.handle(StoreLayout.NameRef.FAMILY);
        this.pins = rocks.handle(StoreLayout.Pin.FAMILY);
        this.pinSets = rocks.handle(StoreLayout.Pin.SETS_FAMILY);
        this.access = rocks.handle(StoreLayout.Access.FAMILY);
        this.accessByTime = rocks.handle(StoreLayout.Access.BY_TIME_FAMILY);
        this.unsynced = rocks.unsynced;
        this.synced = rocks.synced;
        this.unflushed = new UnflushedChunks(rocks, chunks);
        this.blobGarbage = new BlobGarbage(db, chunks);
        this.reclaimer = new Reclaimer(this, inFlight);
        this.commits = new Commits(rocks);
        this.nextId = new AtomicLong(Math.max(lastId(index), lastId(pending)) + 1);
        this.background = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-store-lifecycle");
            t.setDaemon(true);
            return t;
        });
        background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.accessTimes = new AccessTimes(this, commits, options, background);
        this.deleter = new Deleter(this, commits, readers, reclaimer, accessTimes, background, options.clock());
        this.evictor = new Evictor(this, deleter, options, background);
        this.pinIndex = new RocksPins(this);
        this.chunkReads = new RocksChunks(this);
    }

    /** Opens (creating if needed) the one RocksDB under {@code dir}, reclaiming writes a crash interrupted. */
    public static RocksContentStore open(Path dir, StoreOptions options) throws IOException {
        RocksHandles rocks = RocksHandles.open(dir, options);
        RocksContentStore store = null;
        try {
            store = new RocksContentStore(dir, options, rocks);
            // After a clean close no chunk can be left at count zero: the sweep for them (a read of every chunk
            // count, ~0.5-1 s per 100,000 chunks on a loaded machine) runs only after a crash or an unclean close.
            store.reclaimedAtOpen = store.reclaimer.reclaimInterrupted(!rocks.takeCleanClose());
            store.lifecycleBuiltAtOpen = LifecycleIndex.buildIfMissing(store, store.accessTimes.minuteNow());
            store.accessTimes.start(options);
            store.watchBlobGarbage();
            return store;
        } catch (IOException | RuntimeException e) {
            if (store != null) {
                store.close();
            } else {
                rocks.closeUnflushed();
            }
            throw e instanceof IOException io ? io : new IOException("cannot open the store in " + dir, e);
        }
    }

    /**
     * Checks the chunk family's blob garbage now and every {@link #BLOB_GARBAGE_CHECK} after, turning RocksDB's blob
     * GC on or off ({@link BlobGarbage}): two property reads, on the background thread.
     */
    private void watchBlobGarbage() {
        checkBlobGarbage();
        var unused = background.scheduleWithFixedDelay(
                this::checkBlobGarbage,
                BLOB_GARBAGE_CHECK.toMillis(),
                BLOB_GARBAGE_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** How often the blob garbage is looked at: disk freed by eviction follows within this and a compaction. */
    static final Duration BLOB_GARBAGE_CHECK = Duration.ofSeconds(30);

    /** One check; never throws (a scheduled task that throws is never run again). */
    void checkBlobGarbage() {
        try {
            withDb(() -> {
                blobGarbage.adjust();
                return null;
            });
        } catch (IOException | RuntimeException e) {
            if (!isClosing()) {
                System.getLogger("ferry.storage")
                        .log(System.Logger.Level.WARNING, "blob garbage check failed: " + e.getMessage());
            }
        }
    }

    /** For tests: whether the chunk family's blob GC is on now. */
    boolean blobGarbageCollecting() {
        return blobGarbage.on();
    }

    private long lastId(ColumnFamilyHandle cf) {
        try (RocksIterator it = db.newIterator(cf)) {
            it.seekToLast();
            return it.isValid() ? StoreLayout.IndexEntry.idOf(it.key()) : 0;
        }
    }

    // ---------------------------------------------------------------- objects

    @Override
    public ObjectWriter newObject(Chunking chunking) {
        return newObject(chunking, Durability.SYNCED);
    }

    /**
     * A GROUPED object's chunks go through the log up to {@link UnflushedChunks#GROUPED_LOGGED_BYTES}, so that its
     * commit, which waits for no log sync, need not wait for a flush either (a mirrored Go zip's client waits for
     * it); past that, and for SYNCED objects past {@link UnflushedChunks#LARGE_OBJECT_BYTES}, they skip the log.
     */
    @Override
    public ObjectWriter newObject(Chunking chunking, Durability durability) {
        Chunker chunker = Chunker.of(chunking, options.chunkSizes());
        long loglessFrom = durability == Durability.GROUPED
                ? UnflushedChunks.GROUPED_LOGGED_BYTES
                : UnflushedChunks.LARGE_OBJECT_BYTES;
        return new RocksObjectWriter(startObject("object writer", loglessFrom), chunker);
    }

    private PendingObject startObject(String kind) {
        return startObject(kind, UnflushedChunks.LARGE_OBJECT_BYTES);
    }

    /** A new write under a fresh id; close() waits for it like for any writer, and reclaim treats it alike. */
    private PendingObject startObject(String kind, long loglessFrom) {
        if (closing) {
            throw new IllegalStateException("store " + dir + " is closing");
        }
        PendingObject object = new PendingObject(this, kind, nextId.getAndIncrement(), loglessFrom);
        writers.add(object);
        return object;
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        ObjectRecord record = record(digest);
        if (record == null) {
            return Optional.empty();
        }
        accessTimes.used(digest);
        return Optional.of(new StoredObject(digest, record.size()));
    }

    @Override
    public Optional<StoredObject> peek(Sha256 digest) {
        ObjectRecord record = record(digest);
        return record == null ? Optional.empty() : Optional.of(new StoredObject(digest, record.size()));
    }

    @Override
    public InputStream read(Sha256 digest, long offset, long length) throws IOException {
        long generation = deletions.get();
        ObjectRecord record = record(digest);
        if (record == null) {
            throw new NoSuchElementException("no object " + digest);
        }
        if (offset < 0 || length < 0 || offset > record.size() || length > record.size() - offset) {
            throw new IndexOutOfBoundsException(
                    "range " + offset + "+" + length + " is outside " + digest + " of " + record.size() + " bytes");
        }
        accessTimes.used(digest);
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
    public void scanObjects(Predicate<StoredObject> visitor) {
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(objects)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (!visitor.test(new StoredObject(
                            Sha256.of(it.key()), ObjectRecord.decode(it.value()).size()))) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- names and metadata

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
                            || !visitor.test(
                                    new String(key, StandardCharsets.UTF_8), StoreLayout.Name.decode(it.value()))) {
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
        scanMeta(prefix, "", visitor);
    }

    @Override
    public void scanMeta(String prefix, String from, BiPredicate<String, byte[]> visitor) {
        byte[] start = StoreLayout.Meta.key(prefix);
        byte[] seek = from.compareTo(prefix) > 0 ? StoreLayout.Meta.key(from) : start;
        unchecked(() -> {
            try (RocksIterator it = db.newIterator(meta)) {
                for (it.seek(seek); it.isValid(); it.next()) {
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
        withDb(() -> commits.commit(
                (batch, touched) -> {
                    RocksStoreBatch storeBatch = commits.storeBatch(this, batch, null, touched);
                    changes.accept(storeBatch);
                    storeBatch.finish();
                    return true;
                },
                () -> {}));
    }

    // ---------------------------------------------------------------- pins

    @Override
    public void pin(String pinSet, Sha256 object) throws IOException {
        pinIndex.pin(pinSet, object);
    }

    @Override
    public void unpin(String pinSet, Sha256 object) throws IOException {
        pinIndex.unpin(pinSet, object);
    }

    @Override
    public long unpinAll(String pinSet) throws IOException {
        return pinIndex.unpinAll(pinSet);
    }

    @Override
    public boolean isPinned(Sha256 object) {
        return pinIndex.isPinned(object);
    }

    @Override
    public List<String> pinSetsOf(Sha256 object) {
        return pinIndex.pinSetsOf(object);
    }

    /** {@link RocksPins#pinSetsOfAll}. */
    java.util.Map<Sha256, List<String>> pinSetsOfAll(List<Sha256> objects, long budget) {
        return pinIndex.pinSetsOfAll(objects, budget);
    }

    @Override
    public void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        pinIndex.scanPinSet(pinSet, visitor);
    }

    @Override
    public void scanPinSets(String prefix, Predicate<String> visitor) {
        pinIndex.scanPinSets(prefix, visitor);
    }

    // ---------------------------------------------------------------- chunk access

    @Override
    public Optional<List<StoredChunk>> chunksOf(Sha256 object) {
        return chunkReads.chunksOf(object);
    }

    @Override
    public Optional<byte[]> chunk(Sha256 digest) throws IOException {
        return chunkReads.chunk(digest);
    }

    @Override
    public List<byte[]> chunks(List<Sha256> digests) throws IOException {
        return chunkReads.chunks(digests);
    }

    @Override
    public boolean hasChunk(Sha256 digest) {
        return chunkReads.hasChunk(digest);
    }

    @Override
    public void scanChunks(Predicate<Sha256> visitor) {
        chunkReads.scanChunks(visitor);
    }

    @Override
    public ObjectAssembler assemble() {
        return new RocksObjectAssembler(startObject("object assembler"), false);
    }

    @Override
    public ObjectAssembler assembleInBatches() {
        return new RocksObjectAssembler(startObject("object assembler"), true);
    }

    @Override
    public ObjectAssembler assembleInBulk() {
        PendingObject object = startObject("object assembler");
        object.skipLogFromStart();
        return new RocksObjectAssembler(object, true);
    }

    // ---------------------------------------------------------------- maintenance

    @Override
    public StoreStats stats() {
        return unchecked(() -> {
            long disk = diskUsed(dir);
            return new StoreStats(
                    counter(Counter.OBJECTS),
                    counter(Counter.OBJECT_BYTES),
                    counter(Counter.CHUNKS),
                    counter(Counter.CHUNK_BYTES),
                    disk,
                    options.quotaBytes(),
                    counter(Counter.PINNED_OBJECTS),
                    counter(Counter.PINNED_BYTES),
                    counter(Counter.EVICTED_OBJECTS),
                    counter(Counter.EVICTED_BYTES));
        });
    }

    /**
     * RocksDB's view of the writes: stalls, flushes and compactions pending (for /metrics, read at scrape time).
     */
    public StoreWriteStats writeStats() {
        return unchecked(() -> RocksWriteStats.read(rocks));
    }

    /** Reports every later commit and group sync of the log to {@code events} (the server's metrics). */
    public void events(StoreEvents events) {
        commits.events(events == null ? StoreEvents.NONE : events);
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

    @Override
    public boolean delete(Sha256 object, boolean force) throws IOException {
        return deleter.delete(object, force);
    }

    @Override
    public boolean deleteIfUnreferenced(Sha256 object) throws IOException {
        return deleter.deleteIfUnreferenced(object);
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
        return accessTimes.flush();
    }

    /** When {@code object} was last used as far as the store knows on disk, as an epoch minute. */
    @Override
    public Optional<Long> lastUsedMinute(Sha256 object) {
        return accessTimes.lastUsedMinute(object);
    }

    /** Checks every reference, count and index entry; reads the whole index, so an admin or test tool. */
    public ScrubReport scrub() throws IOException {
        return withDb(() -> new Scrubber(this).run());
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

    /** The registry of chunks writers are using right now; a GC must consult it (see {@link InFlightChunks}). */
    public InFlightChunks inFlightChunks() {
        return inFlight;
    }

    /** How many writes a crash had interrupted, reclaimed by {@link #open} (worth a log line at startup). */
    public int reclaimedAtOpen() {
        return reclaimedAtOpen;
    }

    /** Whether {@link #open} had to build the name and access indexes of an older store. */
    public boolean lifecycleBuiltAtOpen() {
        return lifecycleBuiltAtOpen;
    }

    /** Reads in progress (for tests and metrics). */
    public int openReads() {
        return readers.size();
    }

    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        closing = true;
        boolean backgroundDone = stopBackground();
        if (!closed) {
            accessTimes.flushQuietly();
        }
        awaitWriters();
        // Clean: no writer left half way, no background delete cut short, no chunk kept at count zero for a pin.
        boolean clean = backgroundDone && writers.isEmpty() && !reclaimer.keptAtZero();
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            commits.close();
            rocks.close(clean);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Ends the store as a kill -9 would, for tests: no flush, no close mark, the log as the operating system has it;
     * log-less chunk bytes still in a memtable are lost. Writers still open fail at their next write.
     */
    void crashForTests() {
        closing = true;
        background.shutdownNow();
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            commits.close();
            rocks.closeUnflushed();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Stops the lifecycle thread; false when its work was cut short. */
    private boolean stopBackground() {
        background.shutdown();
        try {
            if (!background.awaitTermination(options.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                background.shutdownNow(); // an eviction stops at its next delete; deleted objects' pending stays
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits up to the close timeout for writers in flight; their pending records make the next open reclaim them. */
    private void awaitWriters() {
        writersLock.lock();
        try {
            long deadline = System.nanoTime() + options.closeTimeout().toNanos();
            while (!writers.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                writersDone.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            writersLock.unlock();
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

    /** A delete committed: drops the object's cached record, bumping {@link #deletions} around it. */
    void forgetRecord(Sha256 digest) {
        deletions.incrementAndGet();
        objectCache.remove(digest);
        deletions.incrementAndGet();
    }

    private long counter(Counter c) throws RocksDBException {
        return StoreLayout.Count.decode(db.get(counters, c.key()));
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

    UnflushedChunks unflushed() {
        return unflushed;
    }

    WriteOptions logless() {
        return rocks.logless;
    }

    /** Reads whose caller checks the bytes itself: RocksDB's own checksums are skipped ({@link ChunkChecksum}). */
    ReadOptions unverified() {
        return rocks.unverified;
    }

    /** RocksDB's default reads (checksums verified), for the calls that take options. */
    ReadOptions verified() {
        return rocks.verified;
    }

    /**
     * Makes a finished write visible. Returns true when the object was new; false when an identical object was
     * committed first, in which case the caller must reclaim its own chunks.
     */
    boolean commitObject(
            long id, Sha256 digest, ObjectRecord record, Consumer<StoreBatch> changes, Durability durability)
            throws IOException {
        boolean[] fresh = {false};
        ObjectRecord[] replaced = {null};
        return withDb(() -> {
            commits.commit(
                    (batch, touched) -> {
                        String objectKey = CommitsInFlight.object(digest);
                        // A twin commit still writing: wait for it; if it failed, this one is fresh after all.
                        commits.awaitQuiet(objectKey);
                        byte[] before = db.get(objects, ObjectRecord.key(digest));
                        fresh[0] = before == null;
                        if (!fresh[0]
                                && repairing
                                && ObjectRecord.decode(before).id() != 0) {
                            // ferry verify --repair writes a damaged object again: its new entries replace the
                            // old ones, which repair mode's chunk rewrites cannot mend when they are inline.
                            replaced[0] = ObjectRecord.decode(before);
                            batch.put(objects, ObjectRecord.key(digest), record.encode());
                            batch.delete(pending, StoreLayout.Pending.key(id));
                            batch.put(
                                    pending,
                                    StoreLayout.Pending.key(replaced[0].id()),
                                    StoreLayout.Pending.value(System.currentTimeMillis()));
                        }
                        // Touched also when not fresh: the caller relies on the twin, which a delete must not take away
                        // before this batch (maybe naming it) is written.
                        touched.add(objectKey);
                        if (fresh[0]) {
                            batch.put(objects, ObjectRecord.key(digest), record.encode());
                            batch.delete(pending, StoreLayout.Pending.key(id));
                            batch.merge(counters, Counter.OBJECTS.key(), StoreLayout.Count.PLUS_ONE);
                            batch.merge(counters, Counter.OBJECT_BYTES.key(), StoreLayout.Count.encode(record.size()));
                            accessTimes.put(
                                    batch, digest, accessTimes.minuteNow()); // never read yet: ages from its commit
                        }
                        if (changes != null) {
                            StoredObject committing = new StoredObject(digest, record.size());
                            RocksStoreBatch storeBatch = commits.storeBatch(this, batch, committing, touched);
                            changes.accept(storeBatch);
                            storeBatch.finish();
                        }
                        return true;
                    },
                    () -> {
                        if (fresh[0]) {
                            cacheRecord(digest, record, deletions.get());
                        }
                    },
                    durability);
            if (replaced[0] != null) {
                forgetRecord(digest);
                reclaim(replaced[0].id());
                return true;
            }
            if (fresh[0]) {
                // Read only under a quota: the counter is a merge of every chunk's operand, costly on each commit.
                if (evictor.hasQuota()) {
                    evictor.commitDone(counter(Counter.CHUNK_BYTES));
                }
            } else {
                accessTimes.used(digest); // storing it again is a use
            }
            return fresh[0];
        });
    }

    void reclaim(long id) throws IOException {
        reclaimer.reclaim(id);
    }

    /** A read of object {@code id} ended (see {@link Deleter#readEnded}). */
    void readEnded(long id) {
        deleter.readEnded(id);
    }

    /** For tests: deletes as eviction does, saying whether the chunks wait for reads. */
    Deleter.Deleted deleteObject(Sha256 digest, boolean force, boolean evicting) throws IOException {
        return deleter.delete(digest, force, evicting);
    }

    /** Waits until the background thread has run everything queued so far (for tests). */
    void awaitBackground() throws InterruptedException {
        try {
            background.submit(() -> {}).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
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
}
