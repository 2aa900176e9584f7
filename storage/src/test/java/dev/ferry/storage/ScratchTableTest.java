package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's on-disk table: lookups see earlier puts, keys iterate in unsigned order by prefix, close removes it. */
class ScratchTableTest {
    @TempDir
    Path tmp;

    @Test
    void putsAreSeenAndIteratedInUnsignedOrderThenTheDirectoryGoes() throws Exception {
        Path dir = tmp.resolve("job");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("left-over"), "from a killed job");
        try (ScratchTable t = ScratchTable.create(dir)) {
            assertFalse(Files.exists(dir.resolve("left-over")), "create starts empty");
            // enough entries to be flushed out of the memtable into tables (32 MiB memtable: ~1M entries of ~40 B)
            for (int i = 0; i < 1_200_000; i++) {
                assertTrue(t.putIfAbsent(
                        key('x', i), ByteBuffer.allocate(4).putInt(i).array()));
            }
            assertFalse(t.putIfAbsent(key('x', 7), new byte[] {1}), "a key put before is there");
            assertArrayEquals(ByteBuffer.allocate(4).putInt(7).array(), t.get(key('x', 7)), "and keeps its value");
            assertNull(t.get(key('x', -1)));
            t.put(new byte[] {'s', (byte) 0xff}, new byte[0]);
            t.put(new byte[] {'s', 0x01}, new byte[0]);
            t.put(new byte[] {'s', (byte) 0x80}, new byte[0]);
            t.put(new byte[] {'t'}, new byte[0]);
            List<Integer> seen = new ArrayList<>();
            t.forEach(new byte[] {'s'}, (k, v) -> seen.add(k[1] & 0xff));
            assertEquals(List.of(0x01, 0x80, 0xff), seen, "unsigned order, only the prefix");
            long[] count = new long[1];
            t.forEach(new byte[] {'x'}, (k, v) -> count[0]++);
            assertEquals(1_200_000, count[0]);
        }
        assertFalse(Files.exists(dir), "close removes the table's directory");
    }

    @Test
    void batchedPutsAndGetsSeeWhatSinglePutsSee() throws Exception {
        try (ScratchTable t = ScratchTable.create(tmp.resolve("batched"))) {
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 300_000; i++) {
                keys.add(key('x', i));
                values.add(ByteBuffer.allocate(4).putInt(i).array());
            }
            t.putAll(keys, values);
            t.putAll(List.of(key('n', 1), key('n', 2)), new byte[0]);
            t.put(key('x', -5), new byte[] {9});
            assertEquals(300_003, t.puts());
            List<byte[]> asked = List.of(key('x', 299_999), key('x', -1), key('n', 2), key('x', -5), key('x', 0));
            List<byte[]> got = t.getAll(asked);
            assertEquals(5, got.size());
            assertArrayEquals(ByteBuffer.allocate(4).putInt(299_999).array(), got.get(0));
            assertNull(got.get(1), "absent keys give null, in their place");
            assertArrayEquals(new byte[0], got.get(2));
            assertArrayEquals(new byte[] {9}, got.get(3));
            assertArrayEquals(t.get(key('x', 0)), got.get(4));
            assertEquals(List.of(), t.getAll(List.of()));
        }
    }

    @Test
    void aKeyCursorWalksOnePrefixInUnsignedOrderWithThePrefixCutOff() throws Exception {
        try (ScratchTable t = ScratchTable.create(tmp.resolve("cursor"))) {
            t.put(new byte[] {'r', 9}, new byte[0]);
            t.put(new byte[] {'s', (byte) 0xff, 1}, new byte[0]);
            t.put(new byte[] {'s', 0x01, 2}, new byte[0]);
            t.put(new byte[] {'s', (byte) 0x80, 3}, new byte[0]);
            t.put(new byte[] {'t', 0}, new byte[0]);
            List<String> seen = new ArrayList<>();
            try (ScratchTable.KeyCursor c = t.keys(new byte[] {'s'})) {
                for (byte[] k = c.next(); k != null; k = c.next()) {
                    seen.add((k[0] & 0xff) + "/" + k[1]);
                }
                assertNull(c.next(), "stays at the end once there");
            }
            assertEquals(List.of("1/2", "128/3", "255/1"), seen);
            try (ScratchTable.KeyCursor c = t.keys(new byte[] {'q'})) {
                assertNull(c.next(), "a prefix with no keys");
            }
            try (ScratchTable.KeyCursor c = t.keys(new byte[] {'t'})) {
                assertArrayEquals(new byte[] {0}, c.next(), "the last key of the table");
                assertNull(c.next());
            }
        }
    }

    @Test
    void aTableThatCannotBeMadeFailsAsTheTablesOwnFailure() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        ScratchTable.Failure e =
                assertThrows(ScratchTable.Failure.class, () -> ScratchTable.create(file.resolve("job")));
        assertTrue(e.getMessage().startsWith("cannot make scratch table " + file.resolve("job")), e.getMessage());
    }

    private static byte[] key(char kind, int n) {
        return ByteBuffer.allocate(33).put((byte) kind).putInt(n).putInt(n * 31).array();
    }
}
