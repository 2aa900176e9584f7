package dev.ferry.sync;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The server's prewarm jobs by id: starts them, finds them, cancels them, and keeps the reports of the last
 * {@code keepReports} jobs that ended (older ended jobs are forgotten; running ones are always kept).
 */
public final class JobRegistry {
    private final ItemRunner runner;
    private final int concurrency;
    private final PinSink pins;
    private final Clock clock;
    private final int keepReports;
    private final Supplier<String> ids;
    private final Map<String, PrewarmJob> jobs = new LinkedHashMap<>();
    private final Deque<String> ended = new ArrayDeque<>();

    public JobRegistry(ItemRunner runner, int concurrency, PinSink pins, Clock clock, int keepReports) {
        this(
                runner,
                concurrency,
                pins,
                clock,
                keepReports,
                () -> UUID.randomUUID().toString());
    }

    public JobRegistry(
            ItemRunner runner, int concurrency, PinSink pins, Clock clock, int keepReports, Supplier<String> ids) {
        if (keepReports < 0) {
            throw new IllegalArgumentException("keepReports must not be negative");
        }
        this.runner = Objects.requireNonNull(runner, "runner");
        this.concurrency = concurrency;
        this.pins = Objects.requireNonNull(pins, "pins");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keepReports = keepReports;
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** Starts a job for {@code plan}; returns it (its {@link PrewarmJob#id()} is the handle). */
    public synchronized PrewarmJob start(String description, Plan plan) {
        prune();
        PrewarmJob job = new PrewarmJob(ids.get(), description, plan, runner, concurrency, pins, clock);
        jobs.put(job.id(), job);
        return job.start();
    }

    public synchronized Optional<PrewarmJob> get(String id) {
        prune();
        return Optional.ofNullable(jobs.get(id));
    }

    /** Cancels the job; false when there is no such job. */
    public boolean cancel(String id) {
        Optional<PrewarmJob> job = get(id);
        job.ifPresent(PrewarmJob::cancel);
        return job.isPresent();
    }

    /** Every kept job's progress or report, oldest first. */
    public synchronized List<Progress> list() {
        prune();
        List<Progress> out = new ArrayList<>();
        for (PrewarmJob j : jobs.values()) {
            out.add(j.progress());
        }
        return out;
    }

    /** Forgets ended jobs beyond the newest keepReports. */
    private void prune() {
        for (PrewarmJob j : jobs.values()) {
            if (j.isDone() && !ended.contains(j.id())) {
                ended.addLast(j.id());
            }
        }
        while (ended.size() > keepReports) {
            jobs.remove(ended.removeFirst());
        }
    }
}
