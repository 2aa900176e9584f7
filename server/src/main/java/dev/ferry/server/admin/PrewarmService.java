package dev.ferry.server.admin;

import dev.ferry.sync.ItemRunner;
import dev.ferry.sync.JobRegistry;
import dev.ferry.sync.PinSink;
import dev.ferry.sync.Plan;
import dev.ferry.sync.PlanError;
import dev.ferry.sync.PrewarmJob;
import dev.ferry.sync.Progress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Prewarm jobs as the admin API sees them: a request gets its id at once ({@link #start}); the plan is made on a
 * virtual thread (planning asks the mirror for go.mod files, lists and tags, which may take a while), and then the
 * job runs in a {@link JobRegistry} under the same id. Until then the run is in state {@code PLANNING}.
 */
public final class PrewarmService {
    private static final Logger LOG = Logger.getLogger("ferry.prewarm");
    /** The id JobRegistry gives the job being started by this thread (see {@link #begin}). */
    private static final ThreadLocal<String> NEXT_ID = new ThreadLocal<>();

    private final JobRegistry jobs;
    private final Clock clock;
    private final Map<String, Run> planning = new LinkedHashMap<>();

    public PrewarmService(ItemRunner runner, int concurrency, PinSink pins, Clock clock, int keepReports) {
        this.jobs = new JobRegistry(runner, concurrency, pins, clock, keepReports, PrewarmService::nextId);
        this.clock = clock;
    }

    private static String nextId() {
        String id = NEXT_ID.get();
        return id != null ? id : UUID.randomUUID().toString();
    }

    /** One prewarm request: planning, then its job. */
    public static final class Run {
        private final String id;
        private final String description;
        private final Instant submitted;
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile PrewarmJob job;
        private volatile boolean cancelled;

        private Run(String id, String description, Instant submitted) {
            this.id = id;
            this.description = description;
            this.submitted = submitted;
        }

        public String id() {
            return id;
        }

        public boolean isDone() {
            PrewarmJob j = job;
            return j != null && j.isDone();
        }

        /** The job's progress or report; while planning, an empty progress in state null (shown as PLANNING). */
        public Progress progress() {
            PrewarmJob j = job;
            return j != null ? j.progress() : planningProgress(id, description, submitted);
        }

        /** Waits for the end of planning and of the job; true when it ended within {@code timeout}. */
        public boolean await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!started.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
            return job.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    static Progress planningProgress(String id, String description, Instant submitted) {
        return new Progress(
                id, description, null, 0, 0, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), submitted, null);
    }

    /** Plans with {@code planner} on a virtual thread, then runs the plan; returns at once. */
    public Run start(String description, Supplier<Plan> planner) {
        Run run = new Run(UUID.randomUUID().toString(), description, clock.instant());
        synchronized (this) {
            planning.put(run.id, run);
        }
        Thread.ofVirtual().name("prewarm plan " + run.id).start(() -> begin(run, planner));
        return run;
    }

    private void begin(Run run, Supplier<Plan> planner) {
        Plan plan;
        try {
            plan = planner.get();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "planning prewarm " + run.id + " failed", e);
            plan = new Plan(List.of(), List.of(new PlanError("request", 0, "planning failed: " + e.getMessage())));
        }
        try {
            synchronized (this) {
                NEXT_ID.set(run.id);
                try {
                    run.job = jobs.start(run.description, plan);
                } finally {
                    NEXT_ID.remove();
                    planning.remove(run.id);
                }
                if (run.cancelled) {
                    run.job.cancel();
                }
            }
            Progress p = run.job.progress();
            LOG.info("prewarm " + run.id + " (" + run.description + "): " + p.total() + " items, "
                    + p.planErrors().size() + " plan errors");
        } finally {
            run.started.countDown();
        }
    }

    /** A run by id: still planning, running, or one of the kept reports. */
    public synchronized Optional<Progress> get(String id) {
        Run r = planning.get(id);
        if (r != null) {
            return Optional.of(r.progress());
        }
        return jobs.get(id).map(PrewarmJob::progress);
    }

    /** Cancels; false when there is no such run. A run still planning is cancelled as soon as its plan is made. */
    public synchronized boolean cancel(String id) {
        Run r = planning.get(id);
        if (r != null) {
            r.cancelled = true;
            return true;
        }
        return jobs.cancel(id);
    }

    /** Waits for run {@code id} to end (tests, the CLI's server side); false on timeout or when there is no such run. */
    public boolean await(String id, Duration timeout) throws InterruptedException {
        Run r;
        synchronized (this) {
            r = planning.get(id);
        }
        if (r != null) {
            return r.await(timeout);
        }
        Optional<PrewarmJob> j;
        synchronized (this) {
            j = jobs.get(id);
        }
        return j.isPresent() && j.get().await(timeout);
    }

    /** Cancels every run that has not ended (at shutdown). */
    public synchronized void cancelAll() {
        for (Run r : planning.values()) {
            r.cancelled = true;
        }
        for (Progress p : jobs.list()) {
            jobs.cancel(p.id());
        }
    }

    /** Every run planning, running or kept, oldest first. */
    public synchronized List<Progress> list() {
        List<Progress> out = new ArrayList<>(jobs.list());
        for (Run r : planning.values()) {
            out.add(r.progress());
        }
        return out;
    }
}
