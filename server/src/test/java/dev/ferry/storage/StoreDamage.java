package dev.ferry.storage;

/**
 * Test access to a real store's chunk bytes, to stand for a disk that flipped bits: what RocksDB's own checksums
 * do not catch once the damage was written through it. In this package because the store keeps its handles to itself.
 */
public final class StoreDamage {
    private StoreDamage() {}

    /** Overwrites chunk {@code digest} with its bytes with one bit flipped at {@code at}. */
    public static void flipBit(RocksContentStore store, Sha256 digest, int at) throws Exception {
        byte[] bytes = store.db().get(store.chunks, digest.bytes());
        bytes[at] ^= 0x20;
        store.db().put(store.chunks, digest.bytes(), bytes);
    }
}
