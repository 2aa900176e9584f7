package dev.ferry.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Chunking;
import dev.ferry.storage.DigestMismatchException;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.PinStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the mirrors rely on from a store's objects, names and metadata, and pins roles, run against each
 * implementation (subclasses): the RocksDB store and the in-memory double the mirror's unit tests use, so the double
 * cannot drift from the real thing.
 */
public abstract class StoreContract {
    @TempDir
    Path dir;

    private NamedObjectStore objects;
    private PinStore pins;

    /** Opens an empty store in {@code dir}, whose roles {@link #objects} and {@link #pins} then return. */
    protected abstract void open(Path dir) throws IOException;

    protected abstract NamedObjectStore objects();

    protected abstract PinStore pins();

    /** Closes what {@link #open} opened. */
    protected abstract void close();

    @BeforeEach
    void setUp() throws IOException {
        open(dir.resolve("store"));
        objects = objects();
        pins = pins();
    }

    @AfterEach
    void tearDown() {
        close();
    }

    // ---- objects --------------------------------------------------------------------------------------------------

    @Test
    void anObjectIsInvisibleUntilItsCommitAndReadsBackByAnyRange() throws IOException {
        byte[] data = bytes("0123456789abcdef");
        Sha256 digest = sha256(data);
        StoredObject stored;
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            assertEquals(data.length, w.written());
            assertTrue(objects.object(digest).isEmpty(), "nothing is visible before commit");
            stored = w.commit(digest, b -> {});
        }
        assertEquals(new StoredObject(digest, data.length), stored);
        assertEquals(Optional.of(stored), objects.object(digest));
        assertArrayEquals(data, read(digest, 0, data.length));
        assertArrayEquals(bytes("456"), read(digest, 4, 3));
        assertArrayEquals(new byte[0], read(digest, data.length, 0));
    }

    @Test
    void aReadOutsideTheObjectOrOfNoObjectIsRefused() throws IOException {
        Sha256 digest = store("abc");
        assertThrows(IndexOutOfBoundsException.class, () -> objects.read(digest, 2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> objects.read(digest, -1, 1));
        assertThrows(NoSuchElementException.class, () -> objects.read(sha256(bytes("absent")), 0, 1));
    }

    @Test
    void aDigestMismatchStoresNothing() throws IOException {
        Sha256 other = sha256(bytes("other"));
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(bytes("payload"));
            DigestMismatchException e =
                    assertThrows(DigestMismatchException.class, () -> w.commit(other, b -> b.putName("n", other)));
            assertEquals(other, e.expected());
            assertEquals(sha256(bytes("payload")), e.actual());
        }
        assertTrue(objects.object(sha256(bytes("payload"))).isEmpty());
        assertTrue(objects.resolve("n").isEmpty());
    }

    @Test
    void aWriterClosedWithoutCommitLeavesNothing() throws IOException {
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(bytes("abandoned"));
        }
        assertTrue(objects.object(sha256(bytes("abandoned"))).isEmpty());
        assertEquals(List.of(), scanObjects(Integer.MAX_VALUE));
    }

    @Test
    void theSameBytesTwiceAreOneObject() throws IOException {
        Sha256 first = store("same");
        Sha256 second = store("same");
        assertEquals(first, second);
        assertEquals(List.of(new StoredObject(first, 4)), scanObjects(Integer.MAX_VALUE));
    }

    @Test
    void scanObjectsGoesInDigestOrderUntilTheVisitorStops() throws IOException {
        List<Sha256> digests = new ArrayList<>();
        for (String s : List.of("a", "b", "c", "d")) {
            digests.add(store(s));
        }
        digests.sort(null);
        assertEquals(
                digests,
                scanObjects(Integer.MAX_VALUE).stream()
                        .map(StoredObject::digest)
                        .toList());
        assertEquals(
                digests.subList(0, 2),
                scanObjects(2).stream().map(StoredObject::digest).toList());
    }

    // ---- names and metadata ---------------------------------------------------------------------------------------

    @Test
    void aCommitNamesItsObjectAndWritesMetadataInOneStep() throws IOException {
        byte[] data = bytes("named");
        StoredObject o;
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            o = w.commit(null, b -> {
                StoredObject committing = b.committing().orElseThrow();
                b.putName("go/m/@v/v1.0.0.zip", committing.digest());
                b.putMeta("go/m/@v/v1.0.0", bytes("record"));
            });
        }
        assertEquals(Optional.of(o), objects.resolve("go/m/@v/v1.0.0.zip"));
        assertArrayEquals(bytes("record"), objects.meta("go/m/@v/v1.0.0").orElseThrow());
    }

    @Test
    void anUpdateSeesTheCommittedStateAndChangesNamesAndMetadata() throws IOException {
        Sha256 a = store("a");
        Sha256 b = store("b");
        objects.update(batch -> {
            assertTrue(batch.committing().isEmpty(), "an update commits no object");
            batch.putName("x", a);
            batch.putMeta("k", bytes("1"));
        });
        objects.update(batch -> {
            assertEquals(a, batch.currentName("x").orElseThrow().digest());
            assertArrayEquals(bytes("1"), batch.currentMeta("k").orElseThrow());
            batch.putName("x", b);
            batch.deleteMeta("k");
        });
        assertEquals(b, objects.resolve("x").orElseThrow().digest());
        assertTrue(objects.meta("k").isEmpty());
        objects.update(batch -> batch.deleteName("x"));
        assertTrue(objects.resolve("x").isEmpty());
    }

    @Test
    void aBatchThatThrowsChangesNothing() throws IOException {
        Sha256 a = store("a");
        assertThrows(
                IllegalStateException.class,
                () -> objects.update(batch -> {
                    batch.putName("x", a);
                    batch.putMeta("k", bytes("1"));
                    throw new IllegalStateException("caller gave up");
                }));
        assertTrue(objects.resolve("x").isEmpty());
        assertTrue(objects.meta("k").isEmpty());
    }

    @Test
    void aNameMustPointAtAStoredObject() throws IOException {
        Sha256 absent = sha256(bytes("absent"));
        assertThrows(IllegalArgumentException.class, () -> objects.update(batch -> batch.putName("x", absent)));
        assertTrue(objects.resolve("x").isEmpty());
    }

    @Test
    void namesAndMetadataScanByPrefixInOrderUntilTheVisitorStops() throws IOException {
        Sha256 a = store("a");
        objects.update(batch -> {
            for (String k : List.of("p/b", "p/a", "p/c", "q/a", "o/z")) {
                batch.putName(k, a);
                batch.putMeta(k, bytes(k));
            }
        });
        List<String> names = new ArrayList<>();
        objects.scanNames("p/", (name, object) -> {
            assertEquals(a, object);
            names.add(name);
            return true;
        });
        assertEquals(List.of("p/a", "p/b", "p/c"), names);
        List<String> keys = new ArrayList<>();
        objects.scanMeta("p/", (key, value) -> {
            assertArrayEquals(bytes(key), value);
            keys.add(key);
            return keys.size() < 2;
        });
        assertEquals(List.of("p/a", "p/b"), keys);
    }

    // ---- pins -----------------------------------------------------------------------------------------------------

    @Test
    void anObjectIsPinnedWhileAnySetHoldsIt() throws IOException {
        Sha256 a = store("a");
        assertFalse(pins.isPinned(a));
        pins.pin("set-b", a);
        pins.pin("set-a", a);
        pins.pin("set-a", a);
        assertEquals(List.of("set-a", "set-b"), pins.pinSetsOf(a));
        pins.unpin("set-b", a);
        assertTrue(pins.isPinned(a));
        pins.unpin("set-a", a);
        assertFalse(pins.isPinned(a));
        assertEquals(List.of(), pins.pinSetsOf(a));
    }

    @Test
    void aPinSetListsItsObjectsInDigestOrderAndEmptiesAtOnce() throws IOException {
        List<Sha256> held = new ArrayList<>(List.of(store("a"), store("b"), store("c")));
        objects.update(batch -> held.forEach(d -> batch.pin("job", d)));
        held.sort(null);
        List<Sha256> seen = new ArrayList<>();
        pins.scanPinSet("job", seen::add);
        assertEquals(held, seen);
        assertEquals(3, pins.unpinAll("job"));
        assertEquals(0, pins.unpinAll("job"));
        held.forEach(d -> assertFalse(pins.isPinned(d)));
    }

    @Test
    void scanPinSetsListsTheNonEmptySetsWithAPrefixInOrder() throws IOException {
        Sha256 a = store("a");
        Sha256 b = store("b");
        pins.pin("prewarm:y", a);
        pins.pin("prewarm:x", a);
        pins.pin("prewarm:x", b);
        pins.pin("pin:z", a);
        pins.pin("prewarm:gone", b);
        pins.unpin("prewarm:gone", b);
        List<String> sets = new ArrayList<>();
        pins.scanPinSets("prewarm:", sets::add);
        assertEquals(List.of("prewarm:x", "prewarm:y"), sets);
    }

    @Test
    void aCommitPinsItsObjectAtomically() throws IOException {
        byte[] data = bytes("private module");
        StoredObject o;
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            o = w.commit(
                    sha256(data),
                    b -> b.pin("private", b.committing().orElseThrow().digest()));
        }
        assertEquals(List.of("private"), pins.pinSetsOf(o.digest()));
    }

    @Test
    void onlyStoredObjectsAndWellFormedSetsArePinned() throws IOException {
        Sha256 absent = sha256(bytes("absent"));
        assertThrows(IllegalArgumentException.class, () -> pins.pin("set", absent));
        assertFalse(pins.isPinned(absent));
        Sha256 a = store("a");
        assertThrows(IllegalArgumentException.class, () -> pins.pin("", a));
        assertThrows(IllegalArgumentException.class, () -> pins.pin("a\0b", a));
        assertFalse(pins.isPinned(a));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private Sha256 store(String text) throws IOException {
        byte[] data = bytes(text);
        try (ObjectWriter w = objects.newObject(Chunking.CONTENT_DEFINED)) {
            w.write(data);
            return w.commit(sha256(data), b -> {}).digest();
        }
    }

    private byte[] read(Sha256 digest, long offset, long length) throws IOException {
        try (InputStream in = objects.read(digest, offset, length)) {
            return in.readAllBytes();
        }
    }

    private List<StoredObject> scanObjects(int max) {
        List<StoredObject> seen = new ArrayList<>();
        objects.scanObjects(o -> {
            seen.add(o);
            return seen.size() < max;
        });
        return seen;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Sha256 sha256(byte[] data) {
        try {
            return Sha256.of(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
