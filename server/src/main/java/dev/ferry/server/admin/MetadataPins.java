package dev.ferry.server.admin;

import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link Pins} kept as metadata records of the content store, one per pinned object of a set:
 * <pre>
 *   pin/&lt;set&gt;/&lt;object sha256 hex&gt;   -&gt;   the object's size in bytes, decimal
 * </pre>
 * The store does not read these records: they say what is meant to stay, and survive restarts, but eviction does
 * not honour them yet. The storage lifecycle's own pins replace this class (see {@link Pins}).
 */
public final class MetadataPins implements Pins {
    static final String PREFIX = "pin/";

    private final ContentStore store;

    public MetadataPins(ContentStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public void pin(String pinSet, Sha256 object, long size) throws IOException {
        String key = PREFIX + check(pinSet) + "/" + object.hex();
        byte[] value = Long.toString(size).getBytes(StandardCharsets.UTF_8);
        store.update(b -> {
            if (b.currentMeta(key).isEmpty()) {
                b.putMeta(key, value);
            }
        });
    }

    @Override
    public long unpinAll(String pinSet) throws IOException {
        String prefix = PREFIX + check(pinSet) + "/";
        List<String> keys = new ArrayList<>();
        store.scanMeta(prefix, (key, value) -> {
            if (isObjectKey(key.substring(prefix.length()))) {
                keys.add(key);
            }
            return true;
        });
        if (!keys.isEmpty()) {
            store.update(b -> keys.forEach(b::deleteMeta));
        }
        return keys.size();
    }

    @Override
    public List<PinSet> sets() {
        Map<String, long[]> sets = new LinkedHashMap<>();
        scan((set, hex, size) -> {
            long[] s = sets.computeIfAbsent(set, k -> new long[2]);
            s[0]++;
            s[1] += size;
        });
        List<PinSet> out = new ArrayList<>();
        sets.forEach((name, s) -> out.add(new PinSet(name, s[0], s[1])));
        return out;
    }

    @Override
    public Totals totals() {
        Map<String, Long> objects = new HashMap<>();
        java.util.Set<String> sets = new java.util.HashSet<>();
        scan((set, hex, size) -> {
            sets.add(set);
            objects.put(hex, size);
        });
        return new Totals(sets.size(), objects.size(), objects.values().stream().mapToLong(Long::longValue).sum());
    }

    private interface Visitor {
        void visit(String set, String hex, long size);
    }

    private void scan(Visitor v) {
        store.scanMeta(PREFIX, (key, value) -> {
            int slash = key.lastIndexOf('/');
            String hex = key.substring(slash + 1);
            if (slash > PREFIX.length() && isObjectKey(hex)) {
                long size;
                try {
                    size = Long.parseLong(new String(value, StandardCharsets.UTF_8).strip());
                } catch (NumberFormatException e) {
                    size = 0;
                }
                v.visit(key.substring(PREFIX.length(), slash), hex, size);
            }
            return true;
        });
    }

    private static boolean isObjectKey(String rest) {
        return rest.length() == 64 && rest.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static String check(String pinSet) {
        if (pinSet == null || pinSet.isEmpty()) {
            throw new IllegalArgumentException("empty pin set name");
        }
        return pinSet;
    }
}
