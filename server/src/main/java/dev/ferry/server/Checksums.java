package dev.ferry.server;

import dev.ferry.mirror.sumdb.ChecksumDatabase;
import dev.ferry.mirror.sumdb.ModuleChecksums;
import dev.ferry.mirror.sumdb.SumdbChecksums;
import dev.ferry.mirror.sumdb.SumdbEvents;
import dev.ferry.mirror.sumdb.SumdbMirror;
import dev.ferry.mirror.sumdb.SumdbSource;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.storage.ContentStore;
import dev.ferry.upstreams.GoProxyClient;
import dev.ferry.upstreams.GoProxyList;
import dev.ferry.upstreams.HttpGoProxyClient;
import dev.ferry.upstreams.UpstreamEvents;
import java.time.Clock;
import java.util.List;

/** The checksum database wiring: what the Go mirror checks downloads with, and the databases served at /sumdb/. */
public record Checksums(ModuleChecksums modules, List<SumdbMirror> served, ChecksumDatabase database) {

    /**
     * For GOSUMDB=off: pins only, nothing served. Otherwise the database is asked through {@code proxies} (the
     * upstream proxies' /sumdb/NAME/) and then directly, or only at the URL the setting names, as the go command does.
     */
    public static Checksums create(FerryConfig config, ContentStore store, GoProxyClient proxies,
                                   SumdbEvents events, Clock clock) {
        if (!(config.sumdb() instanceof SumdbConfig.Database db)) {
            return new Checksums(new SumdbChecksums(null, config.privates(), events), List.of(), null);
        }
        UpstreamEvents upstreamEvents = events instanceof UpstreamEvents u ? u : UpstreamEvents.NONE;
        GoProxyClient direct = new HttpGoProxyClient(GoProxyList.parse(db.directUrl().toString()),
                config.upstreamTimeouts(), upstreamEvents);
        SumdbSource source = new SumdbSource(db.name(), db.url().isPresent() || config.goUpstream().isOff() ? null : proxies,
                direct, events);
        ChecksumDatabase database = new ChecksumDatabase(db, new SumdbStore(store, db.name()), source, events, clock);
        SumdbMirror served = new SumdbMirror(database, config.privates(), config.goListTtl(), clock);
        return new Checksums(new SumdbChecksums(database, config.privates(), events), List.of(served), database);
    }
}
