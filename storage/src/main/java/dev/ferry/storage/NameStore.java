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

    /**
     * Visits metadata entries whose key starts with {@code prefix} and is at least {@code from}, in key order: a
     * page of a long listing starts where the last one ended without walking what came before. This default walks
     * and skips (code point order, as keys sort).
     */
    default void scanMeta(String prefix, String from, BiPredicate<String, byte[]> visitor) {
        scanMeta(prefix, (key, value) -> key.compareTo(from) < 0 || visitor.test(key, value));
    }

    /** Applies name, metadata and pin changes atomically and durably. */
    void update(Consumer<StoreBatch> changes) throws IOException;
}
