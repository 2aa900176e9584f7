package dev.ferry.mirror.sumdb;

import dev.ferry.mirror.go.Snapshot;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.GoSumRecord;
import dev.ferry.protocols.sumdb.Lookup;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.SignedTree;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.protocols.sumdb.SumdbException;
import dev.ferry.protocols.sumdb.SumdbVerifier;
import dev.ferry.protocols.sumdb.tlog.Tree;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One configured checksum database: answers "which hashes does module@version have" from verified lookups, keeps the
 * latest verified tree head and refuses any answer inconsistent with it. Lookups, tiles and trusted tree live in
 * the store ({@link SumdbStore}), so verification and the database's clients survive restarts and outages.
 */
public final class ChecksumDatabase {
    private static final System.Logger LOG = System.getLogger(ChecksumDatabase.class.getName());
    /** Concurrent verifications may each advance the trusted tree; a loser re-verifies against the winner's. */
    private static final int TRUSTED_TREE_ROUNDS = 4;

    static final int MAX_LATEST = 64 * 1024;

    private final SumdbConfig.Database config;
    private final SumdbVerifier verifier;
    private final SumdbStore store;
    private final SumdbSource source;
    private final Clock clock;
    /**
     * Lookups and the tree head being fetched and checked, by path ({@code lookup/...}, {@code latest}). The fetch
     * alone is shared by {@link SumdbSource}, but checking takes tiles and time, and a caller arriving in between (the
     * go command's own lookup beside ferry's check of the zip; clients asking for a stale tree head together) would
     * find nothing stored yet and ask the database again. By path: {@link Version} has no value equality.
     */
    private final ConcurrentHashMap<String, CompletableFuture<Answer>> inFlight = new ConcurrentHashMap<>();

    public ChecksumDatabase(SumdbConfig.Database config, SumdbStore store, SumdbSource source, Clock clock) {
        this.config = config;
        this.verifier = new SumdbVerifier(config.verifier());
        this.store = store;
        this.source = source;
        this.clock = clock;
    }

    public String name() {
        return config.name();
    }

    /** The key this database's notes are signed with, as configured. */
    public dev.ferry.protocols.sumdb.note.Verifier verifier() {
        return config.verifier();
    }

    public SumdbStore store() {
        return store;
    }

    public SumdbSource source() {
        return source;
    }

    /** What the database says about one module version. */
    public sealed interface Answer {
        /** A lookup verified against the trusted tree (now, or before it was stored). */
        record Known(GoSumRecord record, byte[] body, boolean fromStore) implements Answer {}

        /** The database does not know the version (404/410): nothing to check against, so it is refused. */
        record Unknown(String reason, boolean gone) implements Answer {}

        /** No usable answer (unreachable, garbled, unknown key): ask again later. */
        record Unreachable(String reason) implements Answer {}

        /** The database misbehaved (forged signature, fork, record not in its log): refused, evidence kept. */
        record Refused(String reason) implements Answer {}
    }

    /**
     * The record for {@code module@version}: from the store if verified before, else fetched and verified once for
     * all concurrent callers.
     */
    public Answer lookup(ModulePath module, Version version) {
        LookupPath lp = new LookupPath(module, version);
        Optional<Answer> kept = stored(module, version, lp);
        if (kept.isPresent()) {
            return kept.get();
        }
        // Another caller may have stored it between our look and our claim.
        return once(
                lp.toString(), () -> stored(module, version, lp).orElseGet(() -> fetchAndVerify(module, version, lp)));
    }

    /** {@code work}'s answer, worked out once for all concurrent callers of {@code path}. */
    private Answer once(String path, Supplier<Answer> work) {
        CompletableFuture<Answer> mine = new CompletableFuture<>();
        CompletableFuture<Answer> running = inFlight.putIfAbsent(path, mine);
        if (running != null) {
            return running.join();
        }
        try {
            Answer answer = work.get();
            mine.complete(answer);
            return answer;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(path, mine);
        }
    }

    private Optional<Answer> stored(ModulePath module, Version version, LookupPath lp) {
        Optional<byte[]> kept = store.lookup(lp);
        if (kept.isPresent()) {
            try {
                // Stored only after verification: our own store is trusted like the stored zips themselves.
                return Optional.of(
                        new Answer.Known(Lookup.parse(kept.get()).record(module, version), kept.get(), true));
            } catch (FormatException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "stored lookup " + lp + " of " + name() + " is unreadable; fetching it again");
            }
        }
        return Optional.empty();
    }

    private Answer fetchAndVerify(ModulePath module, Version version, LookupPath lp) {
        FetchResult<SumdbSource.Fetched> r =
                source.fetch(lp.toString(), SumdbEvents.RequestKind.LOOKUP, Lookup.MAX_SIZE);
        return switch (r) {
            case FetchResult.Fetched<SumdbSource.Fetched> f -> verify(module, version, lp, f.value());
            case FetchResult.NotFound<SumdbSource.Fetched> n ->
                new Answer.Unknown(
                        "checksum database " + name() + " has no record of " + module + "@" + version + ": "
                                + SumdbSource.why(r),
                        n.status() == 410);
            case FetchResult.Failed<SumdbSource.Fetched> f ->
                new Answer.Unreachable("checksum database " + name() + " unreachable for " + module + "@" + version
                        + ": " + f.summary());
        };
    }

    private Answer verify(ModulePath module, Version version, LookupPath lp, SumdbSource.Fetched fetched) {
        byte[] body = fetched.bytes();
        byte[] beforeNote = null;
        try {
            for (int round = 0; round < TRUSTED_TREE_ROUNDS; round++) {
                beforeNote = store.trusted().orElse(null);
                Tree before = trustedTree(beforeNote);
                SumdbVerifier.Verified v = verifyLookup(module, version, body, before);
                if (v.tree().advanced(before)
                        && !store.advanceTrusted(beforeNote, v.tree().served().note())) {
                    continue;
                }
                store.putLookup(lp, body);
                return new Answer.Known(v.record(), body, false);
            }
            return new Answer.Unreachable("checksum database " + name()
                    + ": the trusted tree kept moving while verifying " + module + "@" + version + "; try again");
        } catch (SumdbException e) {
            return failed(e, module + "@" + version, body, beforeNote);
        } catch (IOException | UncheckedIOException e) {
            return new Answer.Unreachable("checksum database " + name() + " unreachable verifying " + module + "@"
                    + version + ": " + e.getMessage());
        }
    }

    /** Verifies with stored tiles, and once more with fresh ones when the stored (or first fetched) ones are bad. */
    private SumdbVerifier.Verified verifyLookup(ModulePath module, Version version, byte[] body, Tree before)
            throws SumdbException, IOException {
        try {
            return verifier.verifyLookup(
                    module, version, body, before, new StoreTileReader(store, source, true, clock));
        } catch (SumdbException e) {
            if (e.kind() != SumdbException.Kind.BAD_PROOF) {
                throw e;
            }
            return verifier.verifyLookup(
                    module, version, body, before, new StoreTileReader(store, source, false, clock));
        }
    }

    private Answer failed(SumdbException e, String what, byte[] response, byte[] trustedNote) {
        String reason = "checksum database " + name() + " answer for " + what + " failed verification ("
                + e.kind().name().toLowerCase(java.util.Locale.ROOT) + "): " + e.getMessage();
        if (!e.kind().isSecurityEvent()) {
            return new Answer.Unreachable(reason);
        }
        LOG.log(System.Logger.Level.WARNING, "SECURITY: " + reason + "; response and trusted note kept as evidence");
        try {
            store.putEvidence(clock.instant(), response, trustedNote);
        } catch (IOException | RuntimeException x) {
            LOG.log(System.Logger.Level.WARNING, "could not keep the evidence", x);
        }
        return new Answer.Refused("SECURITY ERROR: " + reason);
    }

    private Tree trustedTree(byte[] note) {
        if (note == null) {
            return null;
        }
        try {
            return SignedTree.open(note, config.verifier()).tree();
        } catch (SumdbException e) {
            // Only after the key was changed in the configuration: start over as the go command would.
            LOG.log(
                    System.Logger.Level.WARNING,
                    "stored trusted tree of " + name() + " does not verify with the configured key (" + e.getMessage()
                            + "); trusting the next tree on first use");
            return null;
        }
    }

    /**
     * A fresh /latest, checked against (and advancing) the trusted tree, then kept as a snapshot: fetched and checked
     * once for all concurrent callers.
     */
    public Answer latest() {
        return once("latest", this::fetchLatest);
    }

    private Answer fetchLatest() {
        FetchResult<SumdbSource.Fetched> r = source.fetch("latest", SumdbEvents.RequestKind.LATEST, MAX_LATEST);
        if (!(r instanceof FetchResult.Fetched<SumdbSource.Fetched> f)) {
            return r instanceof FetchResult.NotFound<?> n
                    ? new Answer.Unknown(
                            "checksum database " + name() + ": latest " + SumdbSource.why(r), n.status() == 410)
                    : new Answer.Unreachable("checksum database " + name() + " unreachable: " + SumdbSource.why(r));
        }
        byte[] note = f.value().bytes();
        byte[] beforeNote = null;
        try {
            for (int round = 0; round < TRUSTED_TREE_ROUNDS; round++) {
                beforeNote = store.trusted().orElse(null);
                Tree before = trustedTree(beforeNote);
                SumdbVerifier.TreeCheck check = verifyTree(note, before);
                if (check.advanced(before)
                        && !store.advanceTrusted(beforeNote, check.served().note())) {
                    continue;
                }
                store.putLatest(new Snapshot(clock.instant(), f.value().from(), note));
                return new Answer.Known(null, note, false);
            }
            return new Answer.Unreachable("checksum database " + name() + ": the trusted tree kept moving; try again");
        } catch (SumdbException e) {
            return failed(e, "latest", note, beforeNote);
        } catch (IOException | UncheckedIOException e) {
            return new Answer.Unreachable("checksum database " + name() + " unreachable: " + e.getMessage());
        }
    }

    private SumdbVerifier.TreeCheck verifyTree(byte[] note, Tree before) throws SumdbException, IOException {
        try {
            return verifier.verifyTree(note, before, new StoreTileReader(store, source, true, clock));
        } catch (SumdbException e) {
            if (e.kind() != SumdbException.Kind.BAD_PROOF) {
                throw e;
            }
            return verifier.verifyTree(note, before, new StoreTileReader(store, source, false, clock));
        }
    }

    /** The tree ferry trusts now, if any. */
    public Optional<Tree> trusted() {
        return Optional.ofNullable(trustedTree(store.trusted().orElse(null)));
    }
}
