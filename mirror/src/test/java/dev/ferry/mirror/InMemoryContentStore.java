package dev.ferry.mirror;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.Durability;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.PinStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The store roles the mirrors use ({@link NamedObjectStore}, and pins), in memory for the mirror's unit tests, honest
 * where the mirror relies on the store: nothing is visible before commit, a commit checks the expected digest and
 * applies object, names, metadata and pins in one step under one lock (a batch that throws changes nothing), and an
 * uncommitted writer leaves no trace. {@link StoreContract} holds it to the same contract as the RocksDB store.
 * {@link #failNextCommit} makes a commit fail like a full disk.
 */
public final class InMemoryContentStore implements NamedObjectStore, PinStore, AutoCloseable {
    private final Object commitLock = new Object();
    private final Map<Sha256, byte[]> objects = new HashMap<>();
    private final Map<String, Sha256> names = new HashMap<>();
    private final TreeMap<String, byte[]> meta = new TreeMap<>();
    /** pin set -> objects */
    private final TreeMap<String, java.util.TreeSet<String>> pins = new TreeMap<>();

    private final AtomicInteger openWriters = new AtomicInteger();
    private volatile boolean failNextCommit;

    public void failNextCommit() {
        failNextCommit = true;
    }

    /** Writers started and neither committed nor aborted yet. */
    public int openWriters() {
        return openWriters.get();
    }

    public Map<String, Sha256> names() {
        synchronized (commitLock) {
            return Map.copyOf(names);
        }
    }

    public SortedMap<String, byte[]> metaEntries() {
        synchronized (commitLock) {
            return new TreeMap<>(meta);
        }
    }

    public byte[] bytesOf(String name) {
        synchronized (commitLock) {
            Sha256 d = names.get(name);
            return d == null ? null : objects.get(d).clone();
        }
    }

    @Override
    public ObjectWriter newObject(Chunking chunking) {
        openWriters.incrementAndGet();
        return new ObjectWriter() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            private boolean finished;
            private boolean checked;

            @Override
            public void write(int b) {
                check();
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                check();
                bytes.write(b, off, len);
            }

            private void check() {
                if (finished || checked) {
                    throw new IllegalStateException("writer already checked, committed or aborted");
                }
            }

            @Override
            public void check(Sha256 expected) throws IOException {
                if (finished) {
                    throw new IllegalStateException("writer already committed or aborted");
                }
                Sha256 actual = sha256(bytes.toByteArray());
                if (!actual.equals(expected)) {
                    abort();
                    throw new DigestMismatchException(expected, actual);
                }
                checked = true;
            }

            @Override
            public long written() {
                return bytes.size();
            }

            @Override
            public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes, Durability durability)
                    throws IOException {
                if (finished) {
                    throw new IllegalStateException("writer already committed or aborted");
                }
                byte[] data = bytes.toByteArray();
                Sha256 actual = sha256(data);
                if (expected != null && !expected.equals(actual)) {
                    abort();
                    throw new DigestMismatchException(expected, actual);
                }
                if (failNextCommit) {
                    failNextCommit = false;
                    abort();
                    throw new IOException("simulated commit failure (disk full)");
                }
                synchronized (commitLock) {
                    Batch batch = new Batch();
                    batch.committing = new StoredObject(actual, data.length);
                    if (changes != null) {
                        changes.accept(batch);
                    }
                    objects.putIfAbsent(actual, data);
                    batch.apply();
                }
                finished = true;
                openWriters.decrementAndGet();
                return new StoredObject(actual, data.length);
            }

            @Override
            public void abort() {
                if (!finished) {
                    finished = true;
                    openWriters.decrementAndGet();
                }
            }

            @Override
            public void close() {
                abort();
            }
        };
    }

    @Override
    public Optional<StoredObject> object(Sha256 digest) {
        synchronized (commitLock) {
            byte[] data = objects.get(digest);
            return data == null ? Optional.empty() : Optional.of(new StoredObject(digest, data.length));
        }
    }

    @Override
    public InputStream read(Sha256 digest, long offset, long length) {
        byte[] data;
        synchronized (commitLock) {
            data = objects.get(digest);
        }
        if (data == null) {
            throw new NoSuchElementException("no object " + digest);
        }
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside " + data.length);
        }
        return new ByteArrayInputStream(data, (int) offset, (int) length);
    }

    @Override
    public void scanObjects(java.util.function.Predicate<StoredObject> visitor) {
        TreeMap<Sha256, Integer> sizes = new TreeMap<>();
        synchronized (commitLock) {
            objects.forEach((d, b) -> sizes.put(d, b.length));
        }
        for (Map.Entry<Sha256, Integer> e : sizes.entrySet()) {
            if (!visitor.test(new StoredObject(e.getKey(), e.getValue()))) {
                return;
            }
        }
    }

    @Override
    public Optional<StoredObject> resolve(String name) {
        synchronized (commitLock) {
            Sha256 d = names.get(name);
            return d == null ? Optional.empty() : Optional.of(new StoredObject(d, objects.get(d).length));
        }
    }

    @Override
    public void scanNames(String prefix, BiPredicate<String, Sha256> visitor) {
        SortedMap<String, Sha256> view;
        synchronized (commitLock) {
            view = new TreeMap<>(names);
        }
        for (Map.Entry<String, Sha256> e : view.tailMap(prefix).entrySet()) {
            if (!e.getKey().startsWith(prefix) || !visitor.test(e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    @Override
    public Optional<byte[]> meta(String key) {
        synchronized (commitLock) {
            return Optional.ofNullable(meta.get(key)).map(byte[]::clone);
        }
    }

    @Override
    public void scanMeta(String prefix, BiPredicate<String, byte[]> visitor) {
        SortedMap<String, byte[]> view;
        synchronized (commitLock) {
            view = new TreeMap<>(meta.tailMap(prefix));
        }
        for (Map.Entry<String, byte[]> e : view.entrySet()) {
            if (!e.getKey().startsWith(prefix)
                    || !visitor.test(e.getKey(), e.getValue().clone())) {
                return;
            }
        }
    }

    @Override
    public void update(Consumer<StoreBatch> changes) {
        synchronized (commitLock) {
            Batch batch = new Batch();
            changes.accept(batch);
            batch.apply();
        }
    }

    @Override
    public void pin(String pinSet, Sha256 object) {
        update(b -> b.pin(pinSet, object));
    }

    @Override
    public void unpin(String pinSet, Sha256 object) {
        update(b -> b.unpin(pinSet, object));
    }

    @Override
    public long unpinAll(String pinSet) {
        synchronized (commitLock) {
            java.util.Set<String> held = pins.remove(pinSet);
            return held == null ? 0 : held.size();
        }
    }

    @Override
    public boolean isPinned(Sha256 object) {
        synchronized (commitLock) {
            return pins.values().stream().anyMatch(s -> s.contains(object.hex()));
        }
    }

    @Override
    public java.util.List<String> pinSetsOf(Sha256 object) {
        synchronized (commitLock) {
            return pins.entrySet().stream()
                    .filter(e -> e.getValue().contains(object.hex()))
                    .map(Map.Entry::getKey)
                    .toList();
        }
    }

    @Override
    public void scanPinSet(String pinSet, java.util.function.Predicate<Sha256> visitor) {
        java.util.List<String> held;
        synchronized (commitLock) {
            held = java.util.List.copyOf(pins.getOrDefault(pinSet, new java.util.TreeSet<>()));
        }
        for (String hex : held) {
            if (!visitor.test(Sha256.ofHex(hex))) {
                return;
            }
        }
    }

    @Override
    public void scanPinSets(String prefix, java.util.function.Predicate<String> visitor) {
        java.util.List<String> sets;
        synchronized (commitLock) {
            sets = pins.keySet().stream().filter(s -> s.startsWith(prefix)).toList();
        }
        for (String s : sets) {
            if (!visitor.test(s)) {
                return;
            }
        }
    }

    @Override
    public void close() {}

    /** Changes gathered first and applied together, so a callback that throws leaves the store as it was. */
    private final class Batch implements StoreBatch {
        private final Map<String, Sha256> namePuts = new HashMap<>();
        private final Map<String, byte[]> metaPuts = new HashMap<>();
        private final java.util.Set<String> nameDeletes = new java.util.HashSet<>();
        private final java.util.Set<String> metaDeletes = new java.util.HashSet<>();
        private final java.util.List<Object[]> pinChanges = new java.util.ArrayList<>();
        private StoredObject committing;

        @Override
        public void pin(String pinSet, Sha256 digest) {
            checkSet(pinSet);
            requireObject(digest);
            pinChanges.add(new Object[] {true, pinSet, digest});
        }

        @Override
        public void unpin(String pinSet, Sha256 digest) {
            checkSet(pinSet);
            pinChanges.add(new Object[] {false, pinSet, digest});
        }

        /** As the RocksDB store: a name or pin must be given an object that is stored or being committed. */
        private void requireObject(Sha256 digest) {
            if (!objects.containsKey(digest) && (committing == null || !digest.equals(committing.digest()))) {
                throw new IllegalArgumentException("no object " + digest);
            }
        }

        private static void checkSet(String pinSet) {
            if (pinSet.isEmpty() || pinSet.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("pin set names are non-empty and have no NUL: " + pinSet);
            }
        }

        @Override
        public Optional<StoredObject> committing() {
            return Optional.ofNullable(committing);
        }

        @Override
        public void putName(String name, Sha256 digest) {
            requireObject(digest);
            nameDeletes.remove(name);
            namePuts.put(name, digest);
        }

        @Override
        public void deleteName(String name) {
            namePuts.remove(name);
            nameDeletes.add(name);
        }

        @Override
        public void putMeta(String key, byte[] value) {
            metaDeletes.remove(key);
            metaPuts.put(key, value.clone());
        }

        @Override
        public void deleteMeta(String key) {
            metaPuts.remove(key);
            metaDeletes.add(key);
        }

        @Override
        public Optional<StoredObject> currentName(String name) {
            Sha256 d = names.get(name);
            return d == null ? Optional.empty() : Optional.of(new StoredObject(d, objects.get(d).length));
        }

        @Override
        public Optional<byte[]> currentMeta(String key) {
            return Optional.ofNullable(meta.get(key)).map(byte[]::clone);
        }

        void apply() {
            for (Map.Entry<String, Sha256> put : namePuts.entrySet()) {
                if (!objects.containsKey(put.getValue())) {
                    throw new IllegalStateException(
                            "name " + put.getKey() + " would point at a missing object " + put.getValue());
                }
            }
            nameDeletes.forEach(names::remove);
            names.putAll(namePuts);
            metaDeletes.forEach(meta::remove);
            meta.putAll(metaPuts);
            for (Object[] c : pinChanges) {
                String set = (String) c[1];
                String hex = ((Sha256) c[2]).hex();
                if ((Boolean) c[0]) {
                    pins.computeIfAbsent(set, k -> new java.util.TreeSet<>()).add(hex);
                } else if (pins.containsKey(set)) {
                    pins.get(set).remove(hex);
                    if (pins.get(set).isEmpty()) {
                        pins.remove(set);
                    }
                }
            }
        }
    }

    static Sha256 sha256(byte[] data) {
        try {
            return Sha256.of(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
