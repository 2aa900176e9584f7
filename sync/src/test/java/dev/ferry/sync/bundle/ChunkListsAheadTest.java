package dev.ferry.sync.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.ObjectAssembler;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Chunk lists read ahead of the export's plan: in order, failures where they happened, and no further than bound. */
class ChunkListsAheadTest {

    /** A store of objects 0..n-1 (as digests) with {@code size} chunks each; object {@code absent} is not stored. */
    private static final class Lists implements ChunkStore {
        final int size;
        final int absent;
        final int failing;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger taken = new AtomicInteger();
        volatile int mostAhead;

        Lists(int size, int absent, int failing) {
            this.size = size;
            this.absent = absent;
            this.failing = failing;
        }

        @Override
        public Optional<List<StoredChunk>> chunksOf(Sha256 object) {
            int n = java.nio.ByteBuffer.wrap(object.bytes()).getInt(28);
            mostAhead = Math.max(mostAhead, calls.incrementAndGet() - taken.get());
            if (n == failing) {
                throw new IllegalStateException("store closed under object " + n);
            }
            if (n == absent) {
                return Optional.empty();
            }
            List<StoredChunk> list = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                list.add(new StoredChunk(digest(1000 + n * size + i), 1000 + n));
            }
            return Optional.of(list);
        }

        @Override
        public Optional<byte[]> chunk(Sha256 digest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean hasChunk(Sha256 digest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void scanChunks(Predicate<Sha256> visitor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ObjectAssembler assemble() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ObjectAssembler assembleInBatches() {
            throw new UnsupportedOperationException();
        }
    }

    private static Sha256 digest(int n) {
        byte[] b = new byte[32];
        b[28] = (byte) (n >> 24);
        b[29] = (byte) (n >> 16);
        b[30] = (byte) (n >> 8);
        b[31] = (byte) n;
        return Sha256.of(b);
    }

    private static List<Sha256> objects(int n) {
        List<Sha256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(digest(i));
        }
        return out;
    }

    @Test
    void listsComeInTheObjectsOrderAndAnAbsentObjectIsEmpty() throws Exception {
        Lists store = new Lists(3, 5, -1);
        try (ChunkListsAhead lists = new ChunkListsAhead(store, objects(100), 100, 64, 8_192)) {
            for (int n = 0; n < 100; n++) {
                Optional<List<StoredChunk>> list = lists.next();
                if (n == 5) {
                    assertTrue(list.isEmpty(), "object 5 is not stored");
                    continue;
                }
                assertEquals(3, list.orElseThrow().size());
                assertEquals(1000 + n, list.orElseThrow().getFirst().length(), "object " + n + "'s list");
            }
            assertThrows(IllegalStateException.class, lists::next, "no 101st list");
        }
    }

    @Test
    void aFailureComesWhereItHappenedAndTheListsBeforeItFirst() throws Exception {
        Lists store = new Lists(3, -1, 7);
        try (ChunkListsAhead lists = new ChunkListsAhead(store, objects(20), 20, 64, 8_192)) {
            for (int n = 0; n < 7; n++) {
                assertEquals(1000 + n, lists.next().orElseThrow().getFirst().length());
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, lists::next);
            assertEquals("store closed under object 7", e.getMessage());
        }
        assertEquals(8, store.calls.get(), "nothing read past the failure");
    }

    /**
     * Lists carry inline chunks' bytes, and one object may have thousands of chunks: the reader holds at most the
     * chunk bound in lists not yet taken, plus the one it read last (here 2 lists of 10 in a bound of 25, and the
     * third in hand), however far ahead the object count (64) would let it go.
     */
    @Test
    void theReaderStaysWithinTheChunkBound() throws Exception {
        Lists store = new Lists(10, -1, -1);
        try (ChunkListsAhead lists = new ChunkListsAhead(store, objects(200), 200, 64, 25)) {
            for (int n = 0; n < 200; n++) {
                assertEquals(1000 + n, lists.next().orElseThrow().getFirst().length());
                store.taken.incrementAndGet();
            }
        }
        // 4: the caller counts a list taken just after the reader, given room, has read the next
        assertTrue(store.mostAhead <= 4, "read " + store.mostAhead + " lists ahead of the caller");
        assertEquals(200, store.calls.get());
    }

    @Test
    void aListLongerThanTheBoundStillComes() throws Exception {
        Lists store = new Lists(50, -1, -1);
        try (ChunkListsAhead lists = new ChunkListsAhead(store, objects(10), 10, 64, 25)) {
            for (int n = 0; n < 10; n++) {
                assertEquals(50, lists.next().orElseThrow().size());
            }
        }
    }

    @Test
    void closingEarlyStopsTheReader() throws Exception {
        Lists store = new Lists(10, -1, -1);
        List<Sha256> objects = objects(1_000);
        ChunkListsAhead lists = new ChunkListsAhead(store, objects, objects.size(), 4, 8_192);
        Optional<List<StoredChunk>> first = lists.next();
        lists.close(); // returns once the reader has ended
        int read = store.calls.get();
        assertTrue(read <= 1 + 4 + 1, "read " + read + " lists for a caller that took one");
        assertEquals(10, first.orElseThrow().size());
    }
}
