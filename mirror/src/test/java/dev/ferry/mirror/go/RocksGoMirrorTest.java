package dev.ferry.mirror.go;

import dev.ferry.storage.ContentStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;

/** The mirror's contract on the real RocksDB store in a temporary directory. */
class RocksGoMirrorTest extends GoMirrorContractTest {
    @Override
    ContentStore openStore(Path dir) throws IOException {
        return RocksContentStore.open(dir, StoreOptions.defaults());
    }
}
