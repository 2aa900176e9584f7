package dev.ferry.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A store in a fresh temp directory, deleted on close. */
final class TempStore implements AutoCloseable {
    private final Path dir;
    private final StoreOptions options;
    private RocksContentStore store;

    TempStore(ChunkSizes sizes) throws IOException {
        this.dir = Files.createTempDirectory("ferry-storage-test");
        this.options = StoreOptions.defaults().withChunkSizes(sizes);
        this.store = RocksContentStore.open(dir, options);
    }

    RocksContentStore store() {
        return store;
    }

    Path dir() {
        return dir;
    }

    RocksContentStore reopen() throws IOException {
        store.close();
        store = RocksContentStore.open(dir, options);
        return store;
    }

    @Override
    public void close() throws IOException {
        store.close();
        deleteTree(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
