package dev.ferry.sync.bundle;

import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.storage.NameStore;
import dev.ferry.sync.bundle.SelectedContent.SumdbContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The checksum database part of one selection: per stored database, the lookups of the chosen module versions,
 * every tile and the latest note, so clients behind the importing site can verify those versions offline. Never
 * the trusted tree head or evidence: each site keeps its own trust.
 */
final class SumdbSelection {
    private final NameStore store;
    private final Picks picks;

    SumdbSelection(NameStore store, Picks picks) {
        this.store = store;
        this.picks = picks;
    }

    /** One database's content as found in the store. */
    private static final class Database {
        final String name;
        final Set<String> tiles = new TreeSet<>();
        final Set<String> lookups = new TreeSet<>();
        String latest;

        Database(String name) {
            this.name = name;
        }
    }

    List<SumdbContent> select(Map<ModulePath, List<Version>> chosen) {
        Map<String, Database> dbs = stored();
        List<SumdbContent> out = new ArrayList<>();
        for (Database db : dbs.values()) {
            for (var e : chosen.entrySet()) {
                for (Version v : e.getValue()) {
                    String key = SumdbStoreNames.lookup(db.name, new LookupPath(e.getKey(), v));
                    if (picks.meta(key, MetaPolicy.KEEP_EXISTING)) {
                        db.lookups.add(key);
                    }
                }
            }
            for (String t : db.tiles) {
                if (!picks.hasName(t)) {
                    picks.meta(t, MetaPolicy.KEEP_EXISTING);
                }
            }
            if (db.latest != null) {
                picks.meta(db.latest, MetaPolicy.REPLACE);
            }
            out.add(new SumdbContent(db.name, List.copyOf(db.lookups), List.copyOf(db.tiles), db.latest));
        }
        return out;
    }

    /** Every database with stored tiles (full ones picked as names) or a latest note. */
    private Map<String, Database> stored() {
        Map<String, Database> dbs = new TreeMap<>();
        store.scanMeta(SumdbStoreNames.ROOT, (key, value) -> {
            SumdbStoreNames.parse(key).ifPresent(entry -> {
                Database db = dbs.computeIfAbsent(entry.db(), Database::new);
                switch (entry.kind()) {
                    case TILE -> db.tiles.add(key);
                    case LATEST -> db.latest = key;
                    case LOOKUP -> {}
                }
            });
            return true;
        });
        store.scanNames(SumdbStoreNames.ROOT, (name, object) -> {
            SumdbStoreNames.parse(name)
                    .filter(entry -> entry.kind() == SumdbStoreNames.Kind.TILE)
                    .ifPresent(entry -> {
                        dbs.computeIfAbsent(entry.db(), Database::new).tiles.add(name);
                        picks.name(name, object);
                    });
            return true;
        });
        return dbs;
    }
}
