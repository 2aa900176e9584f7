package dev.ferry.server.cli;

import java.io.PrintWriter;

/**
 * Follows a job running on the server (a prewarm job, a mirror set's run, an export or an import) until it ends: a
 * progress bar redrawn in place on a terminal, a plain line when the progress changes enough otherwise; then the
 * summary. How each kind of job looks is its {@link Format}. Returns the exit status the summary gives.
 */
final class JobWatcher<J> {
    private final Format<J> format;
    private final PrintWriter out;
    private final CliContext ctx;

    JobWatcher(Format<J> format, PrintWriter out, CliContext ctx) {
        this.format = format;
        this.out = out;
        this.ctx = ctx;
    }

    /** How to read the job again. */
    @FunctionalInterface
    interface Fetch<J> {
        J get() throws AdminClient.Failure;
    }

    /** How a kind of job is shown. */
    interface Format<J> {
        /** The first line, e.g. "prewarm ID: DESCRIPTION". */
        String heading(J started);

        boolean running(J job);

        /** Whether the progress read when the job ended is still drawn or printed before the summary. */
        boolean showsFinalProgress();

        /** One line of a fixed width, redrawn in place on a terminal. */
        String bar(J job);

        /** A plain progress line. */
        String line(J job);

        /** A plain line is printed when this changes. */
        Object lineKey(J job);

        /** What ends a bar redrawn in place, once the job ended as {@code last}. */
        String endOfBar(J last);

        /** The failure message when the user interrupts the watch: the job goes on. */
        String interrupted(J started);

        /** Prints the report; returns the exit status: 0 when the job did all it should. */
        int summary(J job, PrintWriter out);
    }

    int follow(J started, Fetch<J> fetch) throws AdminClient.Failure {
        out.println(format.heading(started));
        out.flush();
        J p = started;
        Object lastKey = null;
        boolean drew = false;
        while (format.running(p)) {
            try {
                Thread.sleep(ctx.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminClient.Failure(format.interrupted(started), 1);
            }
            p = fetch.get();
            if (!format.running(p) && !format.showsFinalProgress()) {
                break;
            }
            if (ctx.terminal()) {
                out.print("\r" + format.bar(p));
                out.flush();
                drew = true;
            } else {
                Object key = format.lineKey(p);
                if (!key.equals(lastKey)) {
                    out.println(format.line(p));
                    out.flush();
                    lastKey = key;
                }
            }
        }
        if (drew) {
            out.print(format.endOfBar(p));
        }
        return format.summary(p, out);
    }
}
