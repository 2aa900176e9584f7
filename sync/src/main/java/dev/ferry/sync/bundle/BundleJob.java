package dev.ferry.sync.bundle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One export or import job: runs its work on a virtual thread, counts what the work reports, and keeps the
 * outcome. The counters are the job's {@link BundleProgressSink}.
 */
final class BundleJob implements BundleProgressSink {
    interface Work {
        /** Does the job; returns the summary figures. */
        List<BundleProgress.Count> run(BundleJob job) throws Exception;
    }

    private final String id;
    private final String kind;
    private volatile String directory;
    private final Clock clock;
    private final Instant started;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicLong itemsDone = new AtomicLong();
    private final AtomicLong dataBytes = new AtomicLong();
    private final List<String> notes = new ArrayList<>();
    private volatile String phase = "starting";
    private volatile long bytesTotal = -1;
    private volatile long itemsTotal = -1;
    private volatile String bundleId;
    private volatile boolean cancelled;
    private volatile BundleProgress.State state = BundleProgress.State.RUNNING;
    private volatile String error;
    private volatile List<BundleProgress.Count> summary = List.of();
    private volatile Instant finished;

    BundleJob(String id, String kind, String directory, Clock clock) {
        this.id = id;
        this.kind = kind;
        this.directory = directory;
        this.clock = clock;
        this.started = clock.instant();
    }

    String id() {
        return id;
    }

    String kind() {
        return kind;
    }

    @Override
    public void bundleId(String bundleId) {
        if (kind.equals("export") && this.bundleId == null) {
            // an export's directory is the bundle's own, DIR/<id>, once the id is known
            directory = java.nio.file.Path.of(directory).resolve(bundleId).toString();
        }
        this.bundleId = bundleId;
    }

    BundleJob start(Work work, Runnable onEnd) {
        Thread.ofVirtual().name("bundle-" + kind + "-" + id).start(() -> {
            try {
                summary = List.copyOf(work.run(this));
                phase = "done";
                state = BundleProgress.State.SUCCEEDED;
            } catch (CancellationException e) {
                state = BundleProgress.State.CANCELLED;
                error = "cancelled";
            } catch (BundleException e) {
                fail(e.getMessage());
            } catch (Exception | Error e) {
                fail(kind + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            } finally {
                finished = clock.instant();
                onEnd.run();
                done.countDown();
            }
        });
        return this;
    }

    private void fail(String message) {
        state = cancelled ? BundleProgress.State.CANCELLED : BundleProgress.State.FAILED;
        error = message;
    }

    void cancel() {
        cancelled = true;
    }

    /** Ended: true from before the end hook runs, so the hook sees its own job as ended. */
    boolean isDone() {
        return finished != null;
    }

    void await() throws InterruptedException {
        done.await();
    }

    @Override
    public void phase(String phase, long totalBytes, long totalItems) {
        this.phase = phase;
        bytesTotal = totalBytes;
        itemsTotal = totalItems;
        bytesDone.set(0);
        itemsDone.set(0);
    }

    @Override
    public void bytes(long n) {
        bytesDone.addAndGet(n);
        dataBytes.addAndGet(n);
    }

    @Override
    public void item(String description) {
        itemsDone.incrementAndGet();
    }

    @Override
    public void note(String note) {
        synchronized (notes) {
            if (notes.size() < 1000) {
                notes.add(note);
            }
        }
    }

    @Override
    public void checkCancelled() {
        if (cancelled) {
            throw new CancellationException("cancelled");
        }
    }

    BundleProgress progress() {
        Instant end = finished == null ? clock.instant() : finished;
        double seconds = Math.max(Duration.between(started, end).toNanos() / 1e9, 1e-3);
        List<String> n;
        synchronized (notes) {
            n = List.copyOf(notes);
        }
        return new BundleProgress(
                id,
                kind,
                state,
                bundleId,
                directory,
                phase,
                bytesDone.get(),
                bytesTotal,
                itemsDone.get(),
                itemsTotal,
                dataBytes.get() / seconds,
                summary,
                n,
                error,
                started,
                finished);
    }
}
