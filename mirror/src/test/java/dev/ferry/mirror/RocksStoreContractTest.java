package dev.ferry.mirror;

import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.PinStore;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;

/** The store contract on the real RocksDB store. */
class RocksStoreContractTest extends StoreContract {
    private RocksContentStore store;

    @Override
    protected void open(Path dir) throws IOException {
        store = RocksContentStore.open(dir, StoreOptions.defaults());
    }

    @Override
    protected NamedObjectStore objects() {
        return store;
    }

    @Override
    protected PinStore pins() {
        return store;
    }

    @Override
    protected void close() {
        store.close();
    }
}
