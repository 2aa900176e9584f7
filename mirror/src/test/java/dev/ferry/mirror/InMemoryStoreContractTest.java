package dev.ferry.mirror;

import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.PinStore;
import java.nio.file.Path;

/** The store contract on the in-memory double, which must behave as the RocksDB store where the mirror can tell. */
class InMemoryStoreContractTest extends StoreContract {
    private InMemoryContentStore store;

    @Override
    protected void open(Path dir) {
        store = new InMemoryContentStore();
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
