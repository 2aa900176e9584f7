package dev.ferry.server.cli;

import dev.ferry.server.admin.api.LineError;
import dev.ferry.server.admin.api.PrewarmJob;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * How a prewarm job (or a mirror set's run) is shown: item counts, bytes and the item running now; the summary exits
 * 0 when everything was fetched, 1 when an item failed, part of the request could not be planned, or the job was
 * cancelled.
 */
final class PrewarmFormat implements JobWatcher.Format<PrewarmJob> {
    static final PrewarmFormat INSTANCE = new PrewarmFormat();
    private static final int BAR = 30;

    private PrewarmFormat() {}

    @Override
    public String heading(PrewarmJob started) {
        return "prewarm " + started.id() + ": " + started.description();
    }

    @Override
    public boolean running(PrewarmJob job) {
        return job.running();
    }

    @Override
    public boolean showsFinalProgress() {
        return true;
    }

    @Override
    public String bar(PrewarmJob p) {
        if ("PLANNING".equals(p.state())) {
            return String.format(Locale.ROOT, "%-" + (BAR + 2) + "s planning...", "[" + "?".repeat(BAR) + "]");
        }
        int filled = p.total() == 0 ? BAR : (int) ((long) p.done() * BAR / p.total());
        String current = p.current().isEmpty() ? "" : "  " + p.current().getFirst();
        String s = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] " + p.done() + "/" + p.total() + "  "
                + Units.bytes(p.bytes()) + (p.failed() > 0 ? "  " + p.failed() + " failed" : "") + current;
        s = s.length() > 110 ? s.substring(0, 110) : s;
        return String.format(Locale.ROOT, "%-110s", s);
    }

    @Override
    public String line(PrewarmJob p) {
        if ("PLANNING".equals(p.state())) {
            return "planning...";
        }
        return "progress: " + p.done() + "/" + p.total() + " items, " + p.failed() + " failed, "
                + Units.bytes(p.bytes());
    }

    @Override
    public Object lineKey(PrewarmJob p) {
        return line(p);
    }

    @Override
    public String endOfBar(PrewarmJob last) {
        return "\r" + bar(last) + "\n";
    }

    @Override
    public String interrupted(PrewarmJob started) {
        return "interrupted; the job goes on on the server: ferry prewarm status " + started.id();
    }

    @Override
    public int summary(PrewarmJob p, PrintWriter out) {
        int failed = p.failed();
        int skipped = p.skipped();
        out.println(p.state().toLowerCase(Locale.ROOT) + ": " + p.total() + " items, " + (p.done() - failed)
                + " fetched or already stored, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : "")
                + "; " + Units.bytes(p.bytes()));
        if (failed > 0) {
            out.println("failures:");
            for (PrewarmJob.ItemFailure f : p.failures()) {
                out.println("  " + f.item() + ": " + f.reason());
            }
        }
        if (!p.planErrors().isEmpty()) {
            out.println("plan errors:");
            for (LineError e : p.planErrors()) {
                out.println("  " + e.text());
            }
        }
        for (String n : p.notes()) {
            out.println("note: " + n);
        }
        out.flush();
        return "SUCCEEDED".equals(p.state()) && failed == 0 && p.planErrors().isEmpty() ? 0 : 1;
    }
}
