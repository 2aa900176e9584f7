package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.PinStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.bundle.SelectedContent.MetaEntry;
import dev.ferry.sync.bundle.SelectedContent.NameEntry;
import dev.ferry.sync.bundle.SelectedContent.PinEntry;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The store entries one selection has picked so far, whatever selected them (Go, checksum database, OCI), and the
 * notes on what it passed over. An entry is picked only if it is stored at the moment it is looked at.
 */
final class Picks {
    private final NameStore store;
    private final TreeMap<String, Sha256> names = new TreeMap<>();
    private final TreeMap<String, MetaEntry> meta = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();

    Picks(NameStore store) {
        this.store = store;
    }

    /** Picks a name when it resolves; whether it does. */
    boolean name(String name) {
        if (names.containsKey(name)) {
            return true;
        }
        Optional<StoredObject> o = store.resolve(name);
        o.ifPresent(s -> names.put(name, s.digest()));
        return o.isPresent();
    }

    /** Picks a name already resolved (by a scan). */
    void name(String name, Sha256 object) {
        names.put(name, object);
    }

    /** Picks a name found by a scan unless it was picked already. */
    void nameIfAbsent(String name, Sha256 object) {
        names.putIfAbsent(name, object);
    }

    boolean hasName(String name) {
        return names.containsKey(name);
    }

    /** Picks a metadata entry when present; whether it is. */
    boolean meta(String key, MetaPolicy policy) {
        if (meta.containsKey(key)) {
            return true;
        }
        Optional<byte[]> value = store.meta(key);
        value.ifPresent(v -> meta.put(key, new MetaEntry(key, v, policy)));
        return value.isPresent();
    }

    /** Picks a metadata entry found by a scan unless it was picked already. */
    void metaIfAbsent(String key, byte[] value, MetaPolicy policy) {
        meta.putIfAbsent(key, new MetaEntry(key, value, policy));
    }

    boolean hasMeta(String key) {
        return meta.containsKey(key);
    }

    void note(String note) {
        notes.add(note);
    }

    List<NameEntry> names() {
        return names.entrySet().stream()
                .map(e -> new NameEntry(e.getKey(), e.getValue()))
                .toList();
    }

    List<MetaEntry> meta() {
        return List.copyOf(meta.values());
    }

    List<String> notes() {
        return notes;
    }

    /** The pin sets holding the picked objects, so the site keeps them pinned the same way. */
    List<PinEntry> pins(PinStore pins) {
        Set<PinEntry> out = new LinkedHashSet<>();
        for (Sha256 object : new TreeSet<>(names.values())) {
            for (String set : pins.pinSetsOf(object)) {
                out.add(new PinEntry(set, object));
            }
        }
        return List.copyOf(out);
    }
}
