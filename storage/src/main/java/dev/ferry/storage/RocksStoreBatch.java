package dev.ferry.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A {@link StoreBatch} over one RocksDB write batch; only ever used under the store's commit lock. Every key it reads
 * or writes first waits for commits still writing that key ({@link CommitsInFlight}), and is recorded in
 * {@code touched} so later commits wait for this one in turn.
 *
 * <p>A batch that relies on an object existing (naming or pinning it) touches the object's key, so a delete of that
 * object waits for this batch's write and then sees its name or pin. Reverse indexes (name_refs, pin_sets) and the
 * pinned counters are kept from what this batch changed so far, not only from the committed state, so a batch that
 * renames twice or pins and unpins leaves them exact; {@link #finish} writes the counter deltas.
 */
final class RocksStoreBatch implements StoreBatch {
    private final RocksContentStore store;
    private final WriteBatch batch;
    private final StoredObject committing;
    private final CommitsInFlight inFlight;
    private final List<String> touched;
    /** Names this batch changed: their target as of now (empty: deleted). */
    private final Map<String, Optional<Sha256>> names = new HashMap<>();
    /** Objects whose pins this batch changed. */
    private final Map<Sha256, PinState> pins = new HashMap<>();
    /** The keys {@link #touch} has waited for and recorded. */
    private final Set<String> touchedHere = new java.util.HashSet<>();

    private static final class PinState {
        final boolean pinnedBefore;
        final Set<String> sets;
        final long size;

        PinState(Set<String> sets, long size) {
            this.pinnedBefore = !sets.isEmpty();
            this.sets = sets;
            this.size = size;
        }
    }

    RocksStoreBatch(
            RocksContentStore store,
            WriteBatch batch,
            StoredObject committing,
            CommitsInFlight inFlight,
            List<String> touched) {
        this.store = store;
        this.batch = batch;
        this.committing = committing;
        this.inFlight = inFlight;
        this.touched = touched;
    }

    private void touch(String key) {
        // Once: under the commit lock a key found quiet stays so (a new write of it needs the lock), and a batch that
        // pins many objects (an export's selection) touches each while reading their pins and again as it pins them.
        if (touchedHere.add(key)) {
            inFlight.awaitQuiet(key);
            touched.add(key);
        }
    }

    @Override
    public Optional<StoredObject> committing() {
        return Optional.ofNullable(committing);
    }

    @Override
    public void putName(String name, Sha256 digest) {
        requireObject(digest, "name");
        touch(CommitsInFlight.name(name));
        Optional<Sha256> before = target(name);
        write(() -> {
            if (before.isPresent() && !before.get().equals(digest)) {
                batch.delete(store.nameRefs, StoreLayout.NameRef.key(before.get(), name));
            }
            batch.put(store.names, StoreLayout.Name.key(name), digest.bytes());
            batch.put(store.nameRefs, StoreLayout.NameRef.key(digest, name), EMPTY);
        });
        names.put(name, Optional.of(digest));
    }

    @Override
    public void deleteName(String name) {
        touch(CommitsInFlight.name(name));
        Optional<Sha256> before = target(name);
        write(() -> {
            batch.delete(store.names, StoreLayout.Name.key(name));
            if (before.isPresent()) {
                batch.delete(store.nameRefs, StoreLayout.NameRef.key(before.get(), name));
            }
        });
        names.put(name, Optional.empty());
    }

    @Override
    public void pin(String pinSet, Sha256 digest) {
        StoreLayout.Pin.checkSet(pinSet);
        requireObject(digest, "pin");
        PinState state = pinState(digest);
        if (state.sets.add(pinSet)) {
            write(() -> {
                batch.put(store.pins, StoreLayout.Pin.key(digest, pinSet), EMPTY);
                batch.put(store.pinSets, StoreLayout.Pin.setKey(pinSet, digest), EMPTY);
            });
        }
    }

    @Override
    public void pinAll(String pinSet, java.util.Collection<Sha256> digests) {
        loadPinStates(digests);
        StoreBatch.super.pinAll(pinSet, digests);
    }

    @Override
    public void unpinAll(String pinSet, java.util.Collection<Sha256> digests) {
        loadPinStates(digests);
        StoreBatch.super.unpinAll(pinSet, digests);
    }

    /**
     * The fewest objects whose pins are looked up together ({@link RocksPins#pinSetsOfAll}): below it a seek each is
     * as cheap.
     */
    private static final int LOAD_TOGETHER = 32;

    /** Entries the pass may step over per object it looks up, before the rest are looked up a seek each. */
    private static final int STEPS_PER_OBJECT = 64;

    /**
     * Reads the committed pins of those of {@code digests} this batch has not read yet, together. Each object's key
     * is touched first (as pin and unpin do), so commits still writing its pins are waited for before they are read.
     */
    private void loadPinStates(java.util.Collection<Sha256> digests) {
        TreeSet<Sha256> wanted = new TreeSet<>(RocksPins::compare);
        for (Sha256 d : digests) {
            if (!pins.containsKey(d)) {
                wanted.add(d);
            }
        }
        if (wanted.size() < LOAD_TOGETHER) {
            return;
        }
        for (Sha256 d : wanted) {
            touch(CommitsInFlight.object(d));
        }
        List<Sha256> sorted = List.copyOf(wanted);
        store.pinSetsOfAll(sorted, (long) STEPS_PER_OBJECT * sorted.size())
                .forEach((d, sets) -> pins.put(d, new PinState(new TreeSet<>(sets), sizeOf(d))));
    }

    @Override
    public void unpin(String pinSet, Sha256 digest) {
        StoreLayout.Pin.checkSet(pinSet);
        touch(CommitsInFlight.object(digest));
        PinState state = pinState(digest);
        if (state.sets.remove(pinSet)) {
            write(() -> {
                batch.delete(store.pins, StoreLayout.Pin.key(digest, pinSet));
                batch.delete(store.pinSets, StoreLayout.Pin.setKey(pinSet, digest));
            });
        }
    }

    /** After the caller's changes, before the write: the pinned counters' deltas. */
    void finish() {
        long objects = 0;
        long bytes = 0;
        for (PinState state : pins.values()) {
            boolean after = !state.sets.isEmpty();
            if (after != state.pinnedBefore) {
                objects += after ? 1 : -1;
                bytes += after ? state.size : -state.size;
            }
        }
        if (objects != 0 || bytes != 0) {
            long o = objects;
            long b = bytes;
            write(() -> {
                batch.merge(store.counters, StoreLayout.Counter.PINNED_OBJECTS.key(), StoreLayout.Count.encode(o));
                batch.merge(store.counters, StoreLayout.Counter.PINNED_BYTES.key(), StoreLayout.Count.encode(b));
            });
        }
    }

    private void requireObject(Sha256 digest, String what) {
        touch(CommitsInFlight.object(digest));
        if ((committing == null || !digest.equals(committing.digest())) && store.record(digest) == null) {
            throw new IllegalArgumentException("cannot " + what + " " + digest + ": no such object");
        }
    }

    private Optional<Sha256> target(String name) {
        Optional<Sha256> local = names.get(name);
        if (local != null) {
            return local;
        }
        byte[] value = store.query(() -> store.db().get(store.names, StoreLayout.Name.key(name)));
        return Optional.ofNullable(value).map(StoreLayout.Name::decode);
    }

    private PinState pinState(Sha256 digest) {
        return pins.computeIfAbsent(digest, d -> new PinState(new TreeSet<>(store.pinSetsOf(d)), sizeOf(d)));
    }

    private long sizeOf(Sha256 d) {
        return committing != null && d.equals(committing.digest())
                ? committing.size()
                : Optional.ofNullable(store.record(d))
                        .map(StoreLayout.ObjectRecord::size)
                        .orElse(0L);
    }

    @Override
    public void putMeta(String key, byte[] value) {
        touch(CommitsInFlight.meta(key));
        write(() -> batch.put(store.meta, StoreLayout.Meta.key(key), value));
    }

    @Override
    public void deleteMeta(String key) {
        touch(CommitsInFlight.meta(key));
        write(() -> batch.delete(store.meta, StoreLayout.Meta.key(key)));
    }

    @Override
    public Optional<StoredObject> currentName(String name) {
        inFlight.awaitQuiet(CommitsInFlight.name(name));
        return store.resolve(name);
    }

    @Override
    public Optional<byte[]> currentMeta(String key) {
        inFlight.awaitQuiet(CommitsInFlight.meta(key));
        return store.meta(key);
    }

    private static final byte[] EMPTY = new byte[0];

    private interface BatchOp {
        void run() throws RocksDBException;
    }

    private static void write(BatchOp op) {
        try {
            op.run();
        } catch (RocksDBException e) {
            throw new UncheckedIOException(new IOException("RocksDB: " + e.getMessage(), e));
        }
    }
}
