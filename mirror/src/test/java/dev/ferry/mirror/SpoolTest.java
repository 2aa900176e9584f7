package dev.ferry.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    private static final SpoolBody.Afterwards NO_OUTCOME = () -> {
        throw new IOException("the download failed");
    };

    @TempDir
    Path dir;

    @Test
    void readersGetEverythingOnlyAfterComplete() throws Exception {
        byte[] data = random(300_000);
        Spool spool = new Spool(dir, 64 << 10, data.length);
        SpoolBody early = new SpoolBody(spool, () -> {
            throw new IOException("not expected");
        });
        ByteArrayOutputStream earlyOut = new ByteArrayOutputStream();
        CompletableFuture<Void> earlyDone = CompletableFuture.runAsync(() -> write(early, earlyOut));

        spool.append(data, 0, 1000);
        // A reader that joins late still starts at byte 0.
        ByteArrayOutputStream lateOut = new ByteArrayOutputStream();
        CompletableFuture<Void> lateDone =
                CompletableFuture.runAsync(() -> write(new SpoolBody(spool, NO_OUTCOME), lateOut));
        spool.append(data, 1000, data.length - 1000);
        assertTrue(spool.onDisk(), "past the memory limit the bytes go to a file");

        // Everything arrived, nothing committed: readers stop one byte short and wait.
        assertFalse(earlyDone.isDone());
        spool.complete();
        earlyDone.get(10, TimeUnit.SECONDS);
        lateDone.get(10, TimeUnit.SECONDS);
        assertArrayEquals(data, earlyOut.toByteArray());
        assertArrayEquals(data, lateOut.toByteArray());

        spool.release();
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "no spool file is left behind");
        }
        assertNull(spool.open());
    }

    @Test
    void failureReachesEveryReader() throws Exception {
        Spool spool = new Spool(dir, 1 << 20, -1);
        spool.append(new byte[] {1, 2, 3}, 0, 3);
        CompletableFuture<Void> reader =
                CompletableFuture.runAsync(() -> write(new SpoolBody(spool, NO_OUTCOME), new ByteArrayOutputStream()));
        spool.fail("m@v1.0.0.zip rejected: bad entry");
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> reader.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("bad entry"), e.getCause().toString());
        spool.release();
    }

    @Test
    void lateClientAfterDiscardGetsTheOutcome() throws Exception {
        Spool spool = new Spool(dir, 1 << 20, 3);
        spool.append(new byte[] {1, 2, 3}, 0, 3);
        spool.complete();
        spool.release();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SpoolBody(spool, () -> new BytesBody(new byte[] {1, 2, 3})).writeTo(out);
        assertArrayEquals(new byte[] {1, 2, 3}, out.toByteArray());
    }

    @Test
    void shortDownloadAgainstDeclaredLengthThrows() throws Exception {
        Spool spool = new Spool(dir, 1 << 20, 10);
        spool.append(new byte[] {1, 2, 3}, 0, 3);
        spool.complete();
        assertThrows(IOException.class, () -> new SpoolBody(spool, NO_OUTCOME).writeTo(new ByteArrayOutputStream()));
    }

    private static void write(Body body, ByteArrayOutputStream out) {
        try {
            body.writeTo(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }
}
