package dev.ferry.storage;

import java.io.IOException;

/**
 * A stored chunk's bytes no longer match the CRC32C recorded when it was written: damaged on disk. Nothing of the
 * chunk was handed to the reader. A store check reports the object as corrupt; writing the object's good bytes again
 * in repair mode mends the chunk ({@code ferry verify --repair}).
 */
public final class ChunkDamagedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String damage;

    ChunkDamagedException(Sha256 chunk, long objectId) {
        this("chunk " + chunk + " of object " + objectId
                + " does not match the CRC32C recorded when it was written (damaged on disk)");
    }

    private ChunkDamagedException(String damage) {
        super("store corrupt: " + damage);
        this.damage = damage;
    }

    /** What is damaged, without the "store corrupt" of the message (for a report that says so already). */
    public String damage() {
        return damage;
    }
}
