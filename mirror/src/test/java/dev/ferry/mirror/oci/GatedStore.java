package dev.ferry.mirror.oci;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Durability;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A store whose object commits wait for {@link #releaseCommits} once {@link #holdCommits} was called, and say when
 * one is waiting ({@link #commitWaiting}): lets a test look at what clients see while the commit is pending.
 */
final class GatedStore implements NamedObjectStore, AutoCloseable {
    private final ContentStore store;
    private volatile CountDownLatch gate;
    final CountDownLatch commitWaiting = new CountDownLatch(1);

    GatedStore(ContentStore store) {
        this.store = store;
    }

    void holdCommits() {
        gate = new CountDownLatch(1);
    }

    void releaseCommits() {
        gate.countDown();
    }

    @Override
    public ObjectWriter newObject(Chunking chunking) {
        ObjectWriter writer = store.newObject(chunking);
        return new ObjectWriter() {
            @Override
            public long written() {
                return writer.written();
            }

            @Override
            public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes, Durability durability)
                    throws IOException {
                CountDownLatch held = gate;
                if (held != null) {
                    commitWaiting.countDown();
                    try {
                        held.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
                return writer.commit(expected, changes, durability);
            }

            @Override
            public void check(Sha256 expected) throws IOException {
                writer.check(expected);
            }

            @Override
            public void abort() {
                writer.abort();
            }

            @Override
            public void write(int b) throws IOException {
                writer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writer.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                writer.close();
            }
        };
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        return store.object(digest);
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
    public void update(Consumer<StoreBatch> changes) throws IOException {
        store.update(changes);
    }

    @Override
    public void close() {
        store.close();
    }
}
