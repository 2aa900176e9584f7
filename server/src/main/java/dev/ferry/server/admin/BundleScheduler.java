package dev.ferry.server.admin;

import dev.ferry.server.config.BundleSync;
import dev.ferry.server.config.Durations;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.bundle.BundleException;
import dev.ferry.sync.bundle.BundleFormat;
import dev.ferry.sync.bundle.BundleProgress;
import dev.ferry.sync.bundle.ExportRecord;
import dev.ferry.sync.bundle.ExportRequest;
import dev.ferry.sync.bundle.Selection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Scheduled sync (config {@code bundles.sync}): for each site, every {@code every}, an incremental bundle of what
 * was added since the last bundle to that site ({@code --since}; a full bundle when there is none) is exported into
 * the configured directory, a mounted medium. A run is skipped while the site's previous export still runs. The
 * first run after a start waits for the rest of the interval since the site's last bundle, so restarts do not
 * export again.
 */
public final class BundleScheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("ferry.bundles");

    /** What one run did. */
    public sealed interface Outcome {
        record Started(String jobId, Optional<String> since) implements Outcome {}

        record Skipped(String runningJobId) implements Outcome {}

        record Failed(String reason) implements Outcome {}
    }

    private final Bundles bundles;
    private final List<BundleSync> syncs;
    private final Clock clock;
    private final Map<String, String> running = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    public BundleScheduler(Bundles bundles, List<BundleSync> syncs, Clock clock) {
        this.bundles = bundles;
        this.syncs = List.copyOf(syncs);
        this.clock = clock;
    }

    /** Schedules every configured sync; nothing when there is none. */
    public synchronized void start() {
        if (syncs.isEmpty() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("ferry-bundle-sync").factory());
        for (BundleSync s : syncs) {
            Duration delay = firstDelay(s);
            LOG.info("scheduled bundle export to site " + s.site() + " into " + s.to() + " every "
                    + Durations.format(s.every()) + ", first in "
                    + Durations.format(delay.truncatedTo(ChronoUnit.SECONDS)));
            var unused = scheduler.scheduleWithFixedDelay(
                    () -> {
                        try {
                            runOnce(s);
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "scheduled export to site " + s.site() + " failed", e);
                        }
                    },
                    delay.toMillis(),
                    s.every().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The rest of the interval since the site's last bundle; zero when there is none or it is overdue. */
    Duration firstDelay(BundleSync s) {
        Optional<ExportRecord> last = bundles.lastExportTo(s.site());
        if (last.isEmpty() || last.get().created() == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(clock.instant(), last.get().created().plus(s.every()));
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** One run for the site now (the schedule calls this; so may tests). */
    public Outcome runOnce(BundleSync s) {
        String previous = running.get(s.site());
        if (previous != null) {
            Optional<BundleProgress> p = bundles.job(previous);
            if (p.isPresent() && p.get().state() == BundleProgress.State.RUNNING) {
                LOG.info("scheduled export to site " + s.site() + ": the previous one (" + previous
                        + ") still runs; skipping this run");
                return new Outcome.Skipped(previous);
            }
        }
        Selection selection;
        Map<String, String> sets = Map.of();
        try {
            if (s.set().isPresent()) {
                String content = Files.readString(s.set().get(), StandardCharsets.UTF_8);
                MirrorSet.Parsed parsed =
                        MirrorSet.parse(s.set().get().toString(), content.getBytes(StandardCharsets.UTF_8));
                if (!parsed.errors().isEmpty()) {
                    return failed(
                            s,
                            "the mirror set " + s.set().get() + " has errors: "
                                    + parsed.errors().stream()
                                            .map(Object::toString)
                                            .collect(Collectors.joining("; ")));
                }
                selection = new Selection(false, Optional.of(parsed.set()), List.of(), List.of());
                sets = Map.of(parsed.set().name(), content);
            } else {
                selection = Selection.all();
            }
        } catch (IOException e) {
            return failed(s, "cannot read the mirror set " + s.set().get() + ": " + e.getMessage());
        }
        Optional<String> since = bundles.lastExportTo(s.site()).map(ExportRecord::id);
        Instant now = clock.instant();
        try {
            BundleProgress p = bundles.export(new ExportRequest(
                    s.to(),
                    selection,
                    BundleFormat.BUNDLE,
                    s.site(),
                    Optional.empty(),
                    since,
                    s.maxVolumeSize(),
                    sets));
            running.put(s.site(), p.id());
            LOG.info("scheduled export to site " + s.site() + " started at " + now + ": job " + p.id() + ", "
                    + since.map(id -> "what was added since bundle " + id).orElse("a full bundle") + ", into "
                    + s.to());
            follow(s, p.id());
            return new Outcome.Started(p.id(), since);
        } catch (BundleException | IllegalArgumentException e) {
            return failed(s, e.getMessage());
        }
    }

    private Outcome failed(BundleSync s, String reason) {
        LOG.warning("scheduled export to site " + s.site() + " (" + s.source() + ") not started: " + reason);
        return new Outcome.Failed(reason);
    }

    /** Logs the job's end, with its summary or error. */
    private void follow(BundleSync s, String jobId) {
        Thread.ofVirtual().name("ferry-bundle-sync-" + s.site()).start(() -> {
            try {
                bundles.await(jobId).ifPresent(p -> {
                    String summary = p.summary().stream()
                            .map(c -> c.what() + " " + c.value())
                            .collect(Collectors.joining(", "));
                    if (p.state() == BundleProgress.State.SUCCEEDED) {
                        LOG.info("scheduled export to site " + s.site() + " wrote bundle " + p.bundleId() + " into "
                                + p.directory() + (summary.isEmpty() ? "" : ": " + summary));
                    } else {
                        LOG.warning("scheduled export to site " + s.site() + " "
                                + p.state().name().toLowerCase(Locale.ROOT)
                                + (p.error() == null ? "" : ": " + p.error()));
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
