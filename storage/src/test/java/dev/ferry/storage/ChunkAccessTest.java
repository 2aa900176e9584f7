package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunk-level access and explicit-chunk assembly, as bundle export and import use them. */
class ChunkAccessTest {
    private static final ChunkSizes SMALL = new ChunkSizes(1024, 4096, 16384, 1);

    @TempDir
    Path dir;

    private final List<RocksContentStore> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(RocksContentStore::close);
    }

    private RocksContentStore open(String name) throws IOException {
        return open(name, Duration.ofSeconds(10));
    }

    private RocksContentStore open(String name, Duration closeTimeout) throws IOException {
        RocksContentStore store = RocksContentStore.open(
                dir.resolve(name), StoreOptions.defaults().withChunkSizes(SMALL).withCloseTimeout(closeTimeout));
        open.add(store);
        return store;
    }

    private static StoredObject put(ContentStore store, Chunking chunking, byte[] data) throws IOException {
        try (ObjectWriter w = store.newObject(chunking)) {
            w.write(data);
            return w.commit(null, b -> {});
        }
    }

    private static byte[] readAll(ContentStore store, Sha256 digest) throws IOException {
        return TestData.readAll(
                store.read(digest, 0, store.object(digest).orElseThrow().size()));
    }

    /** The object rebuilt from its chunk list and the chunks' bytes, as an exporter would ship it. */
    private static byte[] fromChunks(ContentStore store, Sha256 digest) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StoredChunk c : store.chunksOf(digest).orElseThrow()) {
            byte[] bytes = c.isInline() ? c.inline() : store.chunk(c.digest()).orElseThrow();
            assertEquals(c.length(), bytes.length);
            assertEquals(c.digest(), TestData.sha256(bytes));
            out.write(bytes);
        }
        return out.toByteArray();
    }

    /** What the counters say, without the disk size (which compaction changes). */
    private static List<Long> counts(RocksContentStore store) {
        StoreStats s = store.stats();
        return List.of(s.objects(), s.objectBytes(), s.chunks(), s.chunkBytes());
    }

    private static void assertClean(RocksContentStore store) throws IOException {
        ScrubReport scrub = store.scrub();
        assertTrue(scrub.isClean(), scrub.toString());
    }

    private static byte[] zip(long seed, int entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < entries; i++) {
                zip.putNextEntry(new ZipEntry("m@v1/file" + i + ".go"));
                zip.write(TestData.random(seed + i, 3_000 + 1_000 * i));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Every stored chunk, by scanChunks. */
    private static Set<Sha256> allChunks(ContentStore store) {
        Set<Sha256> all = new HashSet<>();
        store.scanChunks(all::add);
        return all;
    }

    @Test
    void chunkListsRebuildEveryKindOfObject() throws IOException {
        RocksContentStore store = open("a");
        byte[] cdc = TestData.random(1, 120_000);
        byte[] zip = zip(100, 12);
        byte[] fixed = TestData.random(2, 2 * Chunker.FIXED_CHUNK + 12_345);
        byte[] small = TestData.random(3, 500);
        Object[][] cases = {
            {Chunking.CONTENT_DEFINED, cdc},
            {Chunking.ZIP_ENTRIES, zip},
            {Chunking.FIXED, fixed},
            {Chunking.CONTENT_DEFINED, small},
            {Chunking.FIXED, new byte[0]},
        };
        Set<Sha256> referenced = new HashSet<>();
        for (Object[] c : cases) {
            byte[] data = (byte[]) c[1];
            StoredObject o = put(store, (Chunking) c[0], data);
            List<StoredChunk> chunks = store.chunksOf(o.digest()).orElseThrow();
            assertArrayEquals(readAll(store, o.digest()), fromChunks(store, o.digest()), c[0] + " " + data.length);
            assertArrayEquals(data, fromChunks(store, o.digest()));
            if (data.length == 0) {
                assertEquals(List.of(), chunks);
            } else if (data == small) {
                assertEquals(List.of(new StoredChunk(TestData.sha256(small), small.length)), chunks);
            } else {
                assertTrue(chunks.size() > 2, c[0] + " cut into " + chunks.size());
            }
            for (StoredChunk chunk : chunks) {
                // Inline chunks (a zip's entry headers, a CDC object's short tail) are not stored chunks.
                assertEquals(chunk.length() > ChunkStore.INLINE_MAX, store.hasChunk(chunk.digest()));
                assertEquals(chunk.length() <= ChunkStore.INLINE_MAX, chunk.isInline());
                if (!chunk.isInline()) {
                    referenced.add(chunk.digest());
                }
            }
        }
        assertEquals(3, store.chunksOf(TestData.sha256(fixed)).orElseThrow().size());
        assertEquals(referenced, allChunks(store));
        assertEquals(referenced.size(), store.stats().chunks());
        Sha256 absent = TestData.sha256(new byte[] {1, 2, 3});
        assertEquals(Optional.empty(), store.chunksOf(absent));
        assertEquals(Optional.empty(), store.chunk(absent));
        assertFalse(store.hasChunk(absent));
        int[] visited = {0};
        store.scanChunks(d -> ++visited[0] < 2);
        assertEquals(2, visited[0]);
    }

    @Test
    void assemblingAnotherStoresChunkListKeepsItsCutsAndReusesSharedChunks() throws IOException {
        RocksContentStore exporter = open("exporter");
        RocksContentStore importer = open("importer");
        byte[] data = TestData.random(10, 200_000);
        StoredObject exported = put(exporter, Chunking.CONTENT_DEFINED, data);
        // The importer holds an older object with the same first 100 KB: content-defined cuts there are the same.
        byte[] older = java.util.Arrays.copyOf(data, 100_000);
        StoredObject held = put(importer, Chunking.CONTENT_DEFINED, older);
        Set<Sha256> heldChunks = allChunks(importer);

        List<StoredChunk> list = exporter.chunksOf(exported.digest()).orElseThrow();
        int shared = 0;
        int shipped = 0;
        StoredObject assembled;
        try (ObjectAssembler a = importer.assemble()) {
            for (StoredChunk c : list) {
                if (importer.hasChunk(c.digest())) {
                    assertTrue(a.appendStoredChunk(c.digest(), c.length()));
                    shared++;
                } else {
                    byte[] bytes = exporter.chunk(c.digest()).orElseThrow();
                    a.appendChunk(bytes, 0, bytes.length);
                    shipped++;
                }
            }
            assertEquals(data.length, a.written());
            assembled = a.commit(exported.digest(), b -> b.putName("imported", exported.digest()));
        }
        assertTrue(shared > 3 && shipped > 3, shared + " shared, " + shipped + " shipped");
        assertEquals(exported, assembled);
        assertEquals(list, importer.chunksOf(assembled.digest()).orElseThrow());
        assertArrayEquals(data, readAll(importer, assembled.digest()));
        assertEquals(assembled, importer.resolve("imported").orElseThrow());
        Set<Sha256> expected = new HashSet<>(heldChunks);
        list.forEach(c -> expected.add(c.digest()));
        assertEquals(expected, allChunks(importer));
        long expectedBytes = 0;
        for (Sha256 d : expected) {
            expectedBytes += importer.chunk(d).orElseThrow().length;
        }
        assertEquals(
                List.of(2L, (long) data.length + older.length, (long) expected.size(), expectedBytes),
                counts(importer));
        assertClean(importer);
        // Both objects hold their references: deleting one leaves the other whole.
        assertTrue(importer.delete(held.digest(), false));
        assertArrayEquals(data, readAll(importer, assembled.digest()));
        assertEquals(new HashSet<>(list.stream().map(StoredChunk::digest).toList()), allChunks(importer));
        assertClean(importer);
    }

    @Test
    void aStoredChunkThatIsAbsentOrOfAnotherLengthAppendsNothing() throws IOException {
        RocksContentStore store = open("a");
        byte[] data = TestData.random(20, 60_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        StoredChunk first = store.chunksOf(o.digest()).orElseThrow().getFirst();
        List<Long> before = counts(store);
        try (ObjectAssembler a = store.assemble()) {
            assertFalse(a.appendStoredChunk(TestData.sha256(new byte[] {7}), 1));
            assertFalse(a.appendStoredChunk(first.digest(), first.length() + 1));
            assertFalse(a.appendStoredChunk(first.digest(), first.length() - 1));
            assertFalse(a.appendStoredChunk(first.digest(), 0));
            assertEquals(0, a.written());
            assertEquals(0, store.scrub().pendingWrites()); // not even a pending record
            assertThrows(IllegalArgumentException.class, () -> a.appendChunk(new byte[4], 1, 0));
            assertTrue(a.appendStoredChunk(first.digest(), first.length()));
            assertEquals(first.length(), a.written());
            StoredObject assembled = a.commit(null, b -> {});
            assertEquals(TestData.sha256(java.util.Arrays.copyOf(data, first.length())), assembled.digest());
        }
        assertEquals(before.get(0) + 1, counts(store).get(0));
        assertEquals(before.subList(2, 4), counts(store).subList(2, 4));
        assertClean(store);
    }

    @Test
    void aWrongDigestOrAnAbortGivesEveryReferenceBack() throws IOException {
        RocksContentStore store = open("a");
        byte[] data = TestData.random(30, 80_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        List<StoredChunk> chunks = store.chunksOf(o.digest()).orElseThrow();
        List<Long> before = counts(store);
        byte[] fresh = TestData.random(31, 5_000);
        Sha256 freshDigest = TestData.sha256(fresh);

        ObjectAssembler wrong = store.assemble();
        for (StoredChunk c : chunks) {
            assertTrue(wrong.appendStoredChunk(c.digest(), c.length()));
        }
        wrong.appendChunk(fresh, 0, fresh.length);
        assertTrue(store.hasChunk(freshDigest));
        DigestMismatchException e =
                assertThrows(DigestMismatchException.class, () -> wrong.commit(o.digest(), b -> {}));
        assertTrue(e.getMessage().contains(o.digest().hex()), e.getMessage());
        assertFalse(store.hasChunk(freshDigest));
        assertEquals(before, counts(store));
        assertClean(store);
        assertThrows(IOException.class, () -> wrong.appendChunk(fresh, 0, fresh.length));
        wrong.close(); // idempotent after the failed commit

        ObjectAssembler aborted = store.assemble();
        aborted.appendChunk(fresh, 0, fresh.length);
        assertTrue(
                aborted.appendStoredChunk(chunks.get(1).digest(), chunks.get(1).length()));
        aborted.abort();
        aborted.abort();
        aborted.close();
        assertThrows(
                IOException.class,
                () -> aborted.appendStoredChunk(
                        chunks.get(0).digest(), chunks.get(0).length()));
        assertFalse(store.hasChunk(freshDigest));
        assertEquals(before, counts(store));
        assertClean(store);
        // The references went back exactly: deleting the object frees everything.
        assertTrue(store.delete(o.digest(), false));
        assertEquals(Set.of(), allChunks(store));
        assertClean(store);
    }

    @Test
    void assemblingAnObjectTheStoreHoldsCountsNothingTwice() throws IOException {
        RocksContentStore store = open("a");
        byte[] data = TestData.random(40, 90_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        List<Long> before = counts(store);
        StoredObject again;
        try (ObjectAssembler a = store.assemble()) {
            for (StoredChunk c : store.chunksOf(o.digest()).orElseThrow()) {
                assertTrue(a.appendStoredChunk(c.digest(), c.length()));
            }
            again = a.commit(o.digest(), b -> b.putName("again", o.digest()));
        }
        assertEquals(o, again);
        assertEquals(before, counts(store));
        assertEquals(o, store.resolve("again").orElseThrow());
        assertClean(store);
        assertTrue(store.delete(o.digest(), false));
        assertEquals(List.of(0L, 0L, 0L, 0L), counts(store));
        assertClean(store);
    }

    @Test
    void aReferencedChunkOutlivesTheDeleteOfTheOnlyObjectUsingIt() throws IOException {
        RocksContentStore store = open("a");
        byte[] data = TestData.random(50, 150_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        List<StoredChunk> chunks = store.chunksOf(o.digest()).orElseThrow();
        List<byte[]> bytes = new ArrayList<>();
        for (StoredChunk c : chunks) {
            bytes.add(store.chunk(c.digest()).orElseThrow());
        }
        int half = chunks.size() / 2;
        StoredObject assembled;
        try (ObjectAssembler a = store.assemble()) {
            for (int i = 0; i < half; i++) {
                assertTrue(a.appendStoredChunk(
                        chunks.get(i).digest(), chunks.get(i).length()));
            }
            assertTrue(store.delete(o.digest(), false));
            assertTrue(store.object(o.digest()).isEmpty());
            for (int i = 0; i < chunks.size(); i++) {
                assertEquals(i < half, store.hasChunk(chunks.get(i).digest()), "chunk " + i);
            }
            // The rest went with the object: the import path falls back to the bundle's bytes.
            for (int i = half; i < chunks.size(); i++) {
                assertFalse(a.appendStoredChunk(
                        chunks.get(i).digest(), chunks.get(i).length()));
                a.appendChunk(bytes.get(i), 0, bytes.get(i).length);
            }
            assembled = a.commit(o.digest(), b -> {});
        }
        assertEquals(o, assembled);
        assertArrayEquals(data, readAll(store, o.digest()));
        assertEquals(chunks, store.chunksOf(o.digest()).orElseThrow());
        assertClean(store);
    }

    /**
     * An assembler taking stored chunks while another thread keeps deleting and re-storing the only object that
     * holds them: each chunk is either referenced (and so kept) or reported absent and sent as bytes; never lost.
     */
    @Test
    void assemblyRacingDeletesNeverLosesAChunk() throws Exception {
        RocksContentStore store = open("a");
        byte[] data = TestData.random(60, 80_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        List<StoredChunk> chunks = store.chunksOf(o.digest()).orElseThrow();
        List<byte[]> bytes = new ArrayList<>();
        for (StoredChunk c : chunks) {
            bytes.add(store.chunk(c.digest()).orElseThrow());
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<Void> assemblyDone = new CompletableFuture<>();
            Future<Integer> churn = pool.submit(() -> {
                int rounds = 0;
                while (!assemblyDone.isDone()) {
                    store.delete(o.digest(), true);
                    put(store, Chunking.CONTENT_DEFINED, data);
                    rounds++;
                }
                return rounds;
            });
            try {
                for (int round = 0; round < 60; round++) {
                    try (ObjectAssembler a = store.assemble()) {
                        for (int i = 0; i < chunks.size(); i++) {
                            if (!a.appendStoredChunk(
                                    chunks.get(i).digest(), chunks.get(i).length())) {
                                a.appendChunk(bytes.get(i), 0, bytes.get(i).length);
                            }
                        }
                        assertEquals(o, a.commit(o.digest(), b -> {}));
                    }
                }
            } finally {
                assemblyDone.complete(null);
            }
            assertTrue(churn.get(60, TimeUnit.SECONDS) > 0);
        } finally {
            pool.shutdown();
        }
        store.object(o.digest()).ifPresent(x -> {
            try {
                assertArrayEquals(data, readAll(store, o.digest()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertClean(store);
    }

    @Test
    void anAssemblyCutShortByAClosingStoreIsReclaimedAtTheNextOpen() throws IOException {
        RocksContentStore store = open("a", Duration.ofMillis(200));
        byte[] data = TestData.random(70, 60_000);
        StoredObject o = put(store, Chunking.CONTENT_DEFINED, data);
        List<Long> before = counts(store);
        StoredChunk first = store.chunksOf(o.digest()).orElseThrow().getFirst();
        byte[] fresh = TestData.random(71, 7_000);
        ObjectAssembler left = store.assemble();
        assertTrue(left.appendStoredChunk(first.digest(), first.length()));
        left.appendChunk(fresh, 0, fresh.length);
        store.close(); // waits its timeout for the assembler, then closes with pending/<id> on disk
        assertThrows(IOException.class, () -> left.appendChunk(fresh, 0, fresh.length));
        left.close(); // the store is gone: nothing to give back now

        RocksContentStore reopened = open("a");
        assertEquals(1, reopened.reclaimedAtOpen());
        assertFalse(reopened.hasChunk(TestData.sha256(fresh)));
        assertEquals(before, counts(reopened));
        assertArrayEquals(data, readAll(reopened, o.digest()));
        assertClean(reopened);
        assertThrows(IllegalStateException.class, store::assemble);
    }

    @Test
    void closeWaitsForAnOpenAssemblerToCommit() throws Exception {
        RocksContentStore store = open("a", Duration.ofMinutes(1));
        byte[] data = TestData.random(80, 30_000);
        ObjectAssembler a = store.assemble();
        a.appendChunk(data, 0, data.length);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> closing = pool.submit(store::close);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!store.isClosing()) {
                assertTrue(System.nanoTime() < deadline, "close never started");
                Thread.onSpinWait();
            }
            assertThrows(IllegalStateException.class, store::assemble);
            StoredObject o = a.commit(TestData.sha256(data), b -> b.putName("late", TestData.sha256(data)));
            closing.get(30, TimeUnit.SECONDS);
            RocksContentStore reopened = open("a");
            assertEquals(0, reopened.reclaimedAtOpen());
            assertEquals(o, reopened.resolve("late").orElseThrow());
            assertArrayEquals(data, readAll(reopened, o.digest()));
            assertClean(reopened);
        } finally {
            pool.shutdown();
        }
    }
}
