package dev.ferry.sync.bundle;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** The parallel export's and import's worker results, their failures rethrown as the worker threw them. */
final class Tasks {
    private Tasks() {}

    /**
     * The result of {@code task}; a BundleException is rethrown as a new one of the same kind (this thread's stack,
     * the worker's as cause), IO and unchecked failures as they were, an interrupt as {@code interrupted}.
     */
    static <T> T result(Future<T> task, String interrupted) throws IOException, BundleException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(interrupted);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case BundleException b -> throw new BundleException(b.kind(), b.getMessage(), b);
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IOException(e.getCause());
            }
        }
    }
}
