package dev.ferry.sync.bundle;

import static dev.ferry.sync.bundle.BundleException.Kind.REFUSED;

import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.bundle.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Checks an import's volumes whole against the manifest while the import reads them, instead of in a pass of its
 * own before (issue 20): one thread reads the volumes in order, sequentially, hashing every byte, and stays at most
 * {@code window} bytes ahead of the farthest record the import's readers have asked for, so that its reads and theirs
 * meet in the page cache and the medium is read once. The import commits objects, pinned and unnamed, before the
 * verdict; it names nothing before {@link #await} has passed every volume, and a refusal makes it give back what it
 * committed (Importer, "discardLeftovers").
 */
final class VolumeCheck implements AutoCloseable {
    /** How far the hashing thread may read ahead of the import's readers (page cache, not heap). */
    static final long WINDOW = 128L << 20;

    private final List<Path> files;
    private final List<ManifestEntry.Volume> volumes;
    private final int total;
    private final long window;
    /** Where each volume starts in the volumes laid end to end. */
    private final long[] base;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    /** The farthest position (volumes end to end) a reader has read to; guarded by lock. */
    private volatile long farthest;
    /** No more reads will come: hash to the end. Guarded by lock. */
    private boolean unlimited;

    private boolean stopped;
    private boolean done;
    private BundleException refusal;
    private Throwable failure;
    private final Thread thread;

    /** {@code files}: the volumes found for the manifest's {@code volumes}, in order, of the sizes it lists. */
    VolumeCheck(List<Path> files, List<ManifestEntry.Volume> volumes, int total, long window) {
        this.files = files;
        this.volumes = volumes;
        this.total = total;
        this.window = window;
        this.base = new long[volumes.size() + 1];
        for (int i = 0; i < volumes.size(); i++) {
            base[i + 1] = base[i] + volumes.get(i).size();
        }
        this.thread =
                Thread.ofPlatform().name("bundle-import-volumes").daemon(true).unstarted(this::hashAll);
        thread.start();
    }

    /** A reader has read volume {@code volume} (from 1) up to byte {@code end}: the hashing may move on. */
    void read(int volume, long end) {
        long at = base[volume - 1] + end;
        if (at <= farthest) { // a racy read only skips a wake-up the next read makes
            return;
        }
        lock.lock();
        try {
            if (at > farthest) {
                farthest = at;
                moved.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Throws the refusal found so far, if any: the import stops early rather than finishing a bundle refused. */
    void failIfRefused() throws BundleException {
        lock.lock();
        try {
            if (refusal != null) {
                throw new BundleException(REFUSED, refusal.getMessage(), refusal);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hashes what is left without waiting for readers, and returns once every volume matched; else throws. */
    void await() throws IOException, BundleException {
        lock.lock();
        try {
            unlimited = true;
            moved.signalAll();
            while (!done) {
                moved.await();
            }
            if (refusal != null) {
                throw new BundleException(REFUSED, refusal.getMessage(), refusal);
            }
            switch (failure) {
                case null -> {}
                case IOException io ->
                    throw new IOException("cannot read the bundle's volumes: " + io.getMessage(), io);
                case RuntimeException r -> throw r;
                case Error e -> throw e;
                default -> throw new IOException(failure);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("import interrupted");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            stopped = true;
            moved.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void hashAll() {
        Throwable failed = null;
        BundleException refused = null;
        try {
            for (int i = 0; i < volumes.size() && refused == null; i++) {
                refused = hash(i);
            }
        } catch (IOException | RuntimeException | Error e) {
            failed = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed = e;
        }
        lock.lock();
        try {
            refusal = refused;
            failure = failed;
            done = true;
            moved.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Hashes volume {@code i} (from 0): its refusal, or null when it matches the manifest. */
    private BundleException hash(int i) throws IOException, InterruptedException {
        ManifestEntry.Volume v = volumes.get(i);
        Path file = files.get(i);
        MessageDigest md = Exporter.sha256();
        byte[] buf = new byte[1 << 16];
        long at = base[i];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf, 0, waitForRoom(at, buf.length))) > 0; ) {
                md.update(buf, 0, n);
                at += n;
            }
        }
        if (at - base[i] != v.size() || !HexFormat.of().formatHex(md.digest()).equals(v.sha256())) {
            return new BundleException(
                    REFUSED,
                    "volume " + v.number() + " of " + total + " (" + Volume.fileName(v.number()) + ") at " + file
                            + " is damaged: its sha256 does not match the manifest");
        }
        return null;
    }

    /** Waits until the hashing may read at {@code at}; how many bytes it may read then (at least 1). */
    private int waitForRoom(long at, int most) throws InterruptedException, IOException {
        lock.lock();
        try {
            while (!unlimited && !stopped && at >= farthest + window) {
                moved.await();
            }
            if (stopped) {
                throw new java.io.InterruptedIOException("import ended");
            }
            return unlimited ? most : (int) Math.max(1, Math.min(most, farthest + window - at));
        } finally {
            lock.unlock();
        }
    }
}
