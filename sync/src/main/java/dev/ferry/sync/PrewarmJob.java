package dev.ferry.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a {@link Plan}'s items with at most {@code concurrency} at a time, each on its own virtual thread, through an
 * {@link ItemRunner}; reports progress at any time; can be cancelled. After each item that succeeded, the
 * {@link PinSink} is told what it stored. A job runs once: {@link #start()} then {@link #await} or
 * {@link #progress()}.
 */
public final class PrewarmJob {
    private static final System.Logger LOG = System.getLogger(PrewarmJob.class.getName());

    public enum State {
        PENDING,
        RUNNING,
        SUCCEEDED,
        FAILED,
        CANCELLED
    }

    private final String id;
    private final String description;
    private final Plan plan;
    private final ItemRunner runner;
    private final int concurrency;
    private final PinSink pins;
    private final Clock clock;

    private final Semaphore permits;
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final Set<PrewarmItem> current = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    private final List<Progress.ItemFailure> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile State state = State.PENDING;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile Thread coordinator;

    public PrewarmJob(
            String id, String description, Plan plan, ItemRunner runner, int concurrency, PinSink pins, Clock clock) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
        }
        this.id = Objects.requireNonNull(id, "id");
        this.description = Objects.requireNonNull(description, "description");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.concurrency = concurrency;
        this.pins = Objects.requireNonNull(pins, "pins");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.permits = new Semaphore(concurrency);
    }

    public String id() {
        return id;
    }

    public Plan plan() {
        return plan;
    }

    /** Starts the job on a virtual thread; returns at once. */
    public synchronized PrewarmJob start() {
        if (state != State.PENDING) {
            throw new IllegalStateException("job " + id + " already started");
        }
        startedAt = clock.instant();
        state = State.RUNNING;
        coordinator = Thread.ofVirtual().name("prewarm " + id).start(this::runAll);
        return this;
    }

    /**
     * Cancels: no further item starts, running ones are interrupted (a download the mirror already started goes on
     * in the background and is stored, as for a client that went away). Idempotent.
     */
    public void cancel() {
        cancelled = true;
        Thread c = coordinator;
        if (c != null) {
            c.interrupt();
        }
        for (Thread t : workers) {
            t.interrupt();
        }
        synchronized (this) {
            if (state == State.PENDING) {
                state = State.CANCELLED;
                startedAt = finishedAt = clock.instant();
                finished.countDown();
            }
        }
    }

    public boolean isDone() {
        return finished.getCount() == 0;
    }

    /** Waits for the end and returns the report. */
    public Progress await() throws InterruptedException {
        finished.await();
        return progress();
    }

    /** Waits at most {@code timeout}; true when the job ended. */
    public boolean await(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public Progress progress() {
        List<String> now;
        synchronized (current) {
            now = current.stream().map(Object::toString).toList();
        }
        List<Progress.ItemFailure> f;
        synchronized (failures) {
            f = List.copyOf(failures);
        }
        int total = plan.items().size();
        int skipped = isDone() ? total - started.get() : 0;
        return new Progress(
                id,
                description,
                state,
                total,
                done.get(),
                failed.get(),
                skipped,
                bytes.get(),
                now,
                f,
                plan.errors(),
                plan.notes(),
                startedAt,
                finishedAt);
    }

    private void runAll() {
        CountDownLatch allDone = new CountDownLatch(plan.items().size());
        int launched = 0;
        try {
            for (PrewarmItem item : plan.items()) {
                if (cancelled) {
                    break;
                }
                permits.acquire();
                if (cancelled) {
                    permits.release();
                    break;
                }
                started.incrementAndGet();
                launched++;
                Thread t = Thread.ofVirtual().name("prewarm " + id + " " + item).unstarted(() -> {
                    try {
                        runOne(item);
                    } finally {
                        workers.remove(Thread.currentThread());
                        permits.release();
                        allDone.countDown();
                    }
                });
                workers.add(t);
                if (cancelled) {
                    t.interrupt();
                }
                t.start();
            }
        } catch (InterruptedException e) {
            // cancelled while waiting for a permit
        }
        for (int i = launched; i < plan.items().size(); i++) {
            allDone.countDown();
        }
        boolean interrupted = false;
        while (true) {
            try {
                allDone.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // cancel() interrupts; keep waiting for the workers to notice
            }
        }
        finishedAt = clock.instant();
        state = cancelled
                ? State.CANCELLED
                : failed.get() > 0 || !plan.errors().isEmpty() ? State.FAILED : State.SUCCEEDED;
        finished.countDown();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void runOne(PrewarmItem item) {
        current.add(item);
        try {
            if (cancelled) {
                throw new InterruptedException();
            }
            ItemRunner.Result r = runner.run(item);
            bytes.addAndGet(r.bytes());
            done.incrementAndGet();
            try {
                pins.stored(item, r.stored());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "pinning what " + item + " stored failed", e);
            }
        } catch (PrewarmFailure e) {
            fail(item, e.getMessage());
        } catch (InterruptedException e) {
            fail(item, "cancelled");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "prewarm of " + item + " failed unexpectedly", e);
            fail(item, "internal error: " + e);
        } finally {
            current.remove(item);
        }
    }

    private void fail(PrewarmItem item, String reason) {
        failures.add(new Progress.ItemFailure(item.toString(), reason));
        failed.incrementAndGet();
        done.incrementAndGet();
    }

    /** The concurrency bound this job was created with. */
    public int concurrency() {
        return concurrency;
    }
}
