package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link ModuleChecksums} backed by a checksum database: one lookup per module version, shared by its .mod and .zip
 * downloads and run while they download. Modules matching {@code privates} never reach the database (their names
 * stay private); the mirror pins their hashes instead.
 */
public final class SumdbChecksums implements ModuleChecksums {
    private static final System.Logger LOG = System.getLogger(SumdbChecksums.class.getName());
    private static final ExecutorService LOOKUPS = Executors.newVirtualThreadPerTaskExecutor();

    private final ChecksumDatabase db;
    private final PrivatePatterns privates;
    private final SumdbEvents events;
    private final ConcurrentHashMap<String, CompletableFuture<ChecksumDatabase.Answer>> inFlight =
            new ConcurrentHashMap<>();

    /** @param db the database, or null for GOSUMDB=off (pins only) */
    public SumdbChecksums(ChecksumDatabase db, PrivatePatterns privates, SumdbEvents events) {
        this.db = db;
        this.privates = privates;
        this.events = events;
    }

    public boolean isPrivate(ModulePath module) {
        return privates.matches(module);
    }

    @Override
    public Check begin(ModulePath module, Version version) {
        if (db == null || privates.matches(module)) {
            return Check.NONE;
        }
        String key = module.escaped() + "@" + version;
        CompletableFuture<ChecksumDatabase.Answer> answer = inFlight.computeIfAbsent(key, k -> {
            CompletableFuture<ChecksumDatabase.Answer> f = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return db.lookup(module, version);
                        } catch (RuntimeException e) {
                            LOG.log(
                                    System.Logger.Level.ERROR,
                                    "looking up " + module + "@" + version + " failed unexpectedly",
                                    e);
                            return new ChecksumDatabase.Answer.Unreachable("internal error looking up " + module + "@"
                                    + version + " in " + db.name() + ": " + e);
                        }
                    },
                    LOOKUPS);
            return f;
        });
        var unused = answer.whenComplete((a, e) -> inFlight.remove(key, answer));
        return (ext, h1, what, from) -> require(answer.join(), ext, h1, what, from);
    }

    private void require(ChecksumDatabase.Answer answer, String ext, String h1, String what, String from)
            throws ChecksumFailure {
        switch (answer) {
            case ChecksumDatabase.Answer.Known k -> {
                String want =
                        ext.equals("zip") ? k.record().zipHash() : k.record().goModHash();
                if (want.equals(h1)) {
                    events.verification(SumdbEvents.Result.OK);
                    return;
                }
                events.verification(SumdbEvents.Result.MISMATCH);
                String msg = "SECURITY ERROR: " + what + ": checksum mismatch: upstream " + from + " served " + h1
                        + ", checksum database " + db.name() + " has " + want + "; not stored";
                LOG.log(System.Logger.Level.WARNING, msg);
                throw new ChecksumFailure.Refused(msg, true);
            }
            case ChecksumDatabase.Answer.Unknown u -> {
                events.verification(SumdbEvents.Result.MISMATCH);
                LOG.log(System.Logger.Level.WARNING, what + " refused: " + u.reason());
                throw new ChecksumFailure.Refused(what + " (" + h1 + ") refused: " + u.reason()
                        + " (list the module in --private if it is not public)");
            }
            case ChecksumDatabase.Answer.Unreachable u -> {
                events.verification(SumdbEvents.Result.UNREACHABLE);
                throw new ChecksumFailure.Unverifiable(what + " (" + h1 + ") cannot be verified yet: " + u.reason());
            }
            case ChecksumDatabase.Answer.Refused r -> {
                events.verification(SumdbEvents.Result.SECURITY);
                throw new ChecksumFailure.Refused(what + " (" + h1 + ") refused: " + r.reason());
            }
        }
    }

    @Override
    public void pinMismatch() {
        events.verification(SumdbEvents.Result.MISMATCH);
    }
}
