package dev.ferry.storage;

import java.io.IOException;

/** {@link ContentStore#delete} without force met an object some pin set holds; nothing was deleted. */
public final class ObjectPinnedException extends IOException {
    private final Sha256 object;

    public ObjectPinnedException(Sha256 object) {
        super("object " + object + " is pinned");
        this.object = object;
    }

    public Sha256 object() {
        return object;
    }
}
