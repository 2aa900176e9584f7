package dev.ferry.sync.bundle;

import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Durability;
import dev.ferry.storage.EvictionReport;
import dev.ferry.storage.ObjectAssembler;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoreStats;
import dev.ferry.storage.StoredChunk;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A store as one keeping chunks of at most {@link ChunkStore#INLINE_MAX} bytes inline looks from outside (over a
 * store that does not, or not yet; over one that does, it changes nothing): {@link #chunksOf} gives such chunks with
 * their bytes, and they are not there by their digest ({@link #chunk}, {@link #chunks}, {@link #hasChunk}, {@link
 * #scanChunks}, {@link ObjectAssembler#appendStoredChunk} do not find them). Everything else is the wrapped store's.
 */
final class InlineChunkStore implements ContentStore {
    private final ContentStore store;

    InlineChunkStore(ContentStore store) {
        this.store = store;
    }

    private static boolean inline(int length) {
        return length <= ChunkStore.INLINE_MAX;
    }

    /** Whether the wrapped store holds {@code digest} as a chunk this store keeps inline. */
    private boolean hidden(Sha256 digest) throws IOException {
        Optional<byte[]> b = store.chunk(digest);
        return b.isPresent() && inline(b.get().length);
    }

    @Override
    public Optional<List<StoredChunk>> chunksOf(Sha256 object) {
        Optional<List<StoredChunk>> stored = store.chunksOf(object);
        if (stored.isEmpty()) {
            return stored;
        }
        List<StoredChunk> out = new ArrayList<>(stored.get().size());
        try {
            for (StoredChunk c : stored.get()) {
                // (a store that keeps them inline itself gives them so already)
                out.add(
                        inline(c.length()) && !c.isInline()
                                ? new StoredChunk(
                                        c.digest(),
                                        c.length(),
                                        store.chunk(c.digest()).orElseThrow())
                                : c);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Optional.of(out);
    }

    @Override
    public Optional<byte[]> chunk(Sha256 digest) throws IOException {
        return store.chunk(digest).filter(b -> !inline(b.length));
    }

    @Override
    public List<byte[]> chunks(List<Sha256> digests) throws IOException {
        List<byte[]> out = new ArrayList<>(store.chunks(digests));
        out.replaceAll(b -> b != null && inline(b.length) ? null : b);
        return out;
    }

    @Override
    public boolean hasChunk(Sha256 digest) {
        try {
            return store.hasChunk(digest) && !hidden(digest);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void scanChunks(Predicate<Sha256> visitor) {
        List<Sha256> all = new ArrayList<>();
        store.scanChunks(all::add);
        try {
            for (Sha256 d : all) {
                if (!hidden(d) && !visitor.test(d)) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public ObjectAssembler assemble() {
        return new Assembler(store.assemble());
    }

    @Override
    public ObjectAssembler assembleInBatches() {
        return new Assembler(store.assembleInBatches());
    }

    @Override
    public ObjectAssembler assembleInBulk() {
        return new Assembler(store.assembleInBulk());
    }

    /** The wrapped store's assembler, but for the chunks kept inline, which it does not find by digest. */
    private static final class Assembler extends ObjectAssembler {
        private final ObjectAssembler a;

        Assembler(ObjectAssembler a) {
            this.a = a;
        }

        @Override
        public void appendChunk(byte[] bytes, int offset, int length) throws IOException {
            a.appendChunk(bytes, offset, length);
        }

        @Override
        public void appendVerifiedChunk(Sha256 digest, byte[] bytes) throws IOException {
            a.appendVerifiedChunk(digest, bytes);
        }

        @Override
        public boolean appendStoredChunk(Sha256 digest, int length) throws IOException {
            return !inline(length) && a.appendStoredChunk(digest, length);
        }

        @Override
        public void writeAppended() throws IOException {
            a.writeAppended();
        }

        @Override
        public long written() {
            return a.written();
        }

        @Override
        public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
            return a.commit(expected, changes);
        }

        @Override
        public StoredObject commitLazily(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
            return a.commitLazily(expected, changes);
        }

        @Override
        public void abort() {
            a.abort();
        }
    }

    @Override
    public ObjectWriter newObject(Chunking chunking) {
        return store.newObject(chunking);
    }

    @Override
    public ObjectWriter newObject(Chunking chunking, Durability durability) {
        return store.newObject(chunking, durability);
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        return store.object(digest);
    }

    @Override
    public Optional<StoredObject> peek(Sha256 object) {
        return store.peek(object);
    }

    @Override
    public InputStream read(Sha256 digest, long offset, long length) throws IOException {
        return store.read(digest, offset, length);
    }

    @Override
    public void scanObjects(Predicate<StoredObject> visitor) {
        store.scanObjects(visitor);
    }

    @Override
    public Optional<StoredObject> resolve(String name) {
        return store.resolve(name);
    }

    @Override
    public void scanNames(String prefix, BiPredicate<String, Sha256> visitor) {
        store.scanNames(prefix, visitor);
    }

    @Override
    public Optional<byte[]> meta(String key) {
        return store.meta(key);
    }

    @Override
    public void scanMeta(String prefix, BiPredicate<String, byte[]> visitor) {
        store.scanMeta(prefix, visitor);
    }

    @Override
    public void scanMeta(String prefix, String from, BiPredicate<String, byte[]> visitor) {
        store.scanMeta(prefix, from, visitor);
    }

    @Override
    public void update(Consumer<StoreBatch> changes) throws IOException {
        store.update(changes);
    }

    @Override
    public void pin(String pinSet, Sha256 object) throws IOException {
        store.pin(pinSet, object);
    }

    @Override
    public void unpin(String pinSet, Sha256 object) throws IOException {
        store.unpin(pinSet, object);
    }

    @Override
    public long unpinAll(String pinSet) throws IOException {
        return store.unpinAll(pinSet);
    }

    @Override
    public boolean isPinned(Sha256 object) {
        return store.isPinned(object);
    }

    @Override
    public List<String> pinSetsOf(Sha256 object) {
        return store.pinSetsOf(object);
    }

    @Override
    public void scanPinSet(String pinSet, Predicate<Sha256> visitor) {
        store.scanPinSet(pinSet, visitor);
    }

    @Override
    public void scanPinSets(String prefix, Predicate<String> visitor) {
        store.scanPinSets(prefix, visitor);
    }

    @Override
    public StoreStats stats() {
        return store.stats();
    }

    @Override
    public boolean delete(Sha256 object, boolean force) throws IOException {
        return store.delete(object, force);
    }

    @Override
    public boolean deleteIfUnreferenced(Sha256 object) throws IOException {
        return store.deleteIfUnreferenced(object);
    }

    @Override
    public EvictionReport evict(long targetBytes) throws IOException {
        return store.evict(targetBytes);
    }

    @Override
    public void close() {
        // the wrapped store is its opener's to close
    }
}
