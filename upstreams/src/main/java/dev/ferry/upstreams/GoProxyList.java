package dev.ferry.upstreams;

import java.net.URI;
import java.util.List;

/**
 * A GOPROXY-syntax upstream list: {@code https://a,https://b|https://c}. After a comma the next entry is tried
 * only when this one answered 404 or 410; after a pipe, on any error. {@code off} (alone) means no upstream.
 * STUB: the upstreams work fills in parse() (rejecting "direct", non-http(s) URLs, empty entries) and toString().
 */
public record GoProxyList(List<Entry> entries) {

    /** What moves a request past this entry to the next one. */
    public enum FallThrough { NOT_FOUND_ONLY, ANY_ERROR }

    /** {@code fallThrough} is the separator after this entry (for the last entry it does not matter). */
    public record Entry(URI base, FallThrough fallThrough) {}

    public static GoProxyList parse(String text) {
        throw new UnsupportedOperationException("todo");
    }

    public boolean isOff() {
        return entries.isEmpty();
    }
}
