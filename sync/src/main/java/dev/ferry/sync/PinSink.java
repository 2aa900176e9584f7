package dev.ferry.sync;

import java.util.List;

/**
 * Told, after each item that succeeded, what it made sure is stored; the server pins it so that eviction keeps
 * prewarmed content. Called from the job's worker threads, possibly concurrently; must not throw (what it throws
 * is logged and ignored: the content is stored either way).
 */
@FunctionalInterface
public interface PinSink {
    PinSink NONE = (item, stored) -> {};

    void stored(PrewarmItem item, List<StoredContent> stored);
}
