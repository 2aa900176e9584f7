package dev.ferry.server;

import dev.ferry.mirror.sumdb.ChecksumDatabase;
import dev.ferry.mirror.sumdb.ModuleChecksums;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.mirror.sumdb.SumdbChecksums;
import dev.ferry.mirror.sumdb.SumdbEvents;
import dev.ferry.mirror.sumdb.SumdbMirror;
import dev.ferry.mirror.sumdb.SumdbSource;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.upstreams.cluster.OwnerFetch;
import dev.ferry.upstreams.cluster.PeerClient;
import dev.ferry.upstreams.cluster.PeersFirst;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The checksum database wiring: what the Go mirror checks downloads with, and the databases served at /sumdb/.
 * Upstream clients come in from the caller (only their {@link GoProxyClient#fetch} is used), so that how they are
 * built can change without touching this.
 */
public record Checksums(ModuleChecksums modules, List<SumdbMirror> served, ChecksumDatabase database) {

    /**
     * For GOSUMDB=off: pins only, nothing served. Otherwise the database is asked through {@code proxies} (the
     * upstream proxies' /sumdb/NAME/; null when there are none) and then at its own URL through a client
     * {@code direct} makes for it; or, when the setting names a URL, only there, as the go command does.
     *
     * @param ttl how long partial tiles and latest are served to clients before the database is asked again
     */
    public static Checksums create(
            SumdbConfig sumdb,
            PrivatePatterns privates,
            Duration ttl,
            NamedObjectStore store,
            GoProxyClient proxies,
            Function<URI, GoProxyClient> direct,
            SumdbEvents events,
            Clock clock,
            PeerClient peers,
            OwnerFetch owner) {
        if (!(sumdb instanceof SumdbConfig.Database db)) {
            return new Checksums(new SumdbChecksums(null, privates, events), List.of(), null);
        }
        GoProxyClient viaProxies = db.url().isPresent() ? null : proxies;
        if (peers != null) {
            // Lookups, tiles and latest are asked of their owner first, then lookups and tiles of the peers' stores;
            // what they send is verified against the signed tree like any proxy's answer. latest, which changes, is
            // never taken from a store: the owner's is fresh or refused, else the proxies (or the database) are asked.
            viaProxies = new PeersFirst(peers, owner, viaProxies, PeersFirst::sumdbRecord);
        }
        SumdbSource source = new SumdbSource(db.name(), viaProxies, direct.apply(db.directUrl()), events);
        ChecksumDatabase database = new ChecksumDatabase(db, new SumdbStore(store, db.name()), source, clock);
        SumdbMirror served = new SumdbMirror(database, privates, ttl, clock);
        return new Checksums(new SumdbChecksums(database, privates, events), List.of(served), database);
    }
}
