package dev.ferry.mirror.go;

import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;

/** The mirror's contract on the real RocksDB store in a temporary directory. */
class RocksGoMirrorTest extends GoMirrorContractTest {
    private RocksContentStore rocks;

    @Override
    RocksContentStore openStore(Path dir) throws IOException {
        rocks = RocksContentStore.open(dir, StoreOptions.defaults());
        return rocks;
    }

    @Override
    void closeStore() {
        rocks.close();
    }
}
