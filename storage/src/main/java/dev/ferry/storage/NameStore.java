package dev.ferry.storage;

import java.io.IOException;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The names and metadata role of a {@link ContentStore}: names point at objects, metadata keys hold small values.
 * Both are opaque strings chosen by the layers above and sort by their UTF-8 bytes (code point order). Changes go
 * through a {@link StoreBatch}, alone ({@link #update}) or with a new object's commit.
 */
public interface NameStore {

    /** The object {@code name} points at (a use of that object, as {@link ObjectStore#object} is). */
    Optional<StoredObject> resolve(String name);

    /** Visits names starting with {@code prefix} and their objects, in name order, until the visitor returns false. */
    void scanNames(String prefix, BiPredicate<String, Sha256> visitor);

    Optional<byte[]> meta(String key);

    /** Visits metadata entries whose key starts with {@code prefix}, in key order, until the visitor returns false. */
    void scanMeta(String prefix, BiPredicate<String, byte[]> visitor);

    /** Applies name, metadata and pin changes atomically and durably. */
    void update(Consumer<StoreBatch> changes) throws IOException;
}
