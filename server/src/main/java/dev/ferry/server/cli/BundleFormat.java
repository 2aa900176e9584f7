package dev.ferry.server.cli;

import dev.ferry.server.admin.api.BundleJob;
import dev.ferry.server.admin.api.Count;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * How an export or import job is shown: phase, bytes and rate; a plain line when the phase changes and at every
 * tenth of it; the summary's figures aligned. The summary exits 0 when the job succeeded, 1 when it failed or was
 * cancelled.
 */
final class BundleFormat implements JobWatcher.Format<BundleJob> {
    static final BundleFormat INSTANCE = new BundleFormat();
    private static final int BAR = 24;
    private static final int WIDTH = 110;

    private BundleFormat() {}

    /** "export ID: DIRECTORY". */
    @Override
    public String heading(BundleJob p) {
        return kind(p) + " " + p.id() + (p.directory() != null ? ": " + p.directory() : "");
    }

    @Override
    public boolean running(BundleJob job) {
        return job.running();
    }

    @Override
    public boolean showsFinalProgress() {
        return false;
    }

    @Override
    public String bar(BundleJob p) {
        String gauge;
        if (p.bytesTotal() > 0) {
            int filled = (int) Math.min(BAR, p.bytesDone() * BAR / p.bytesTotal());
            gauge = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] ";
        } else {
            gauge = "[" + "?".repeat(BAR) + "] ";
        }
        String s = gauge + line(p);
        s = s.length() > WIDTH ? s.substring(0, WIDTH) : s;
        return String.format(Locale.ROOT, "%-" + WIDTH + "s", s);
    }

    /** "writing: 1.2 GiB of 4.0 GiB, 120/300 items, 35.2 MB/s". */
    @Override
    public String line(BundleJob p) {
        StringBuilder sb = new StringBuilder(p.phase() != null ? p.phase() : "working")
                .append(": ")
                .append(Units.bytes(p.bytesDone()));
        if (p.bytesTotal() >= 0) {
            sb.append(" of ").append(Units.bytes(p.bytesTotal()));
        }
        sb.append(", ")
                .append(p.itemsDone())
                .append(p.itemsTotal() >= 0 ? "/" + p.itemsTotal() : "")
                .append(" items, ")
                .append(Units.rate(p.bytesPerSecond()));
        return sb.toString();
    }

    /** The phase and which tenth of it is done (bytes when known, else items; -1 when neither total is). */
    @Override
    public Object lineKey(BundleJob p) {
        long total = p.bytesTotal();
        long done = p.bytesDone();
        if (total <= 0) {
            total = p.itemsTotal();
            done = p.itemsDone();
        }
        return p.phase() + "/" + (total <= 0 ? -1 : Math.min(10, done * 10 / total));
    }

    @Override
    public String endOfBar(BundleJob last) {
        return "\r" + " ".repeat(WIDTH) + "\r";
    }

    @Override
    public String interrupted(BundleJob started) {
        String kind = kind(started);
        return "interrupted; the " + kind + " goes on on the server ('ferry " + kind + " status " + started.id()
                + "' shows it, 'ferry " + kind + " cancel " + started.id() + "' stops it)";
    }

    @Override
    public int summary(BundleJob p, PrintWriter out) {
        StringBuilder head = new StringBuilder(p.state().toLowerCase(Locale.ROOT))
                .append(": ")
                .append(kind(p));
        if (p.bundleId() != null) {
            head.append(" of bundle ").append(p.bundleId());
        }
        if (p.directory() != null) {
            head.append(" (").append(p.directory()).append(")");
        }
        if (p.bytesPerSecond() > 0) {
            head.append(", ").append(Units.rate(p.bytesPerSecond())).append(" on average");
        }
        out.println(head);
        int width = 0;
        for (Count c : p.summary()) {
            width = Math.max(width, c.what().length());
        }
        for (Count c : p.summary()) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-" + (width + 1) + "s %d%s",
                    c.what() + ":",
                    c.value(),
                    c.what().contains("bytes") && c.value() >= 1024 ? " (" + Units.bytes(c.value()) + ")" : ""));
        }
        for (String n : p.notes()) {
            out.println("note: " + n);
        }
        if (p.error() != null) {
            out.println("error: " + p.error());
        }
        out.flush();
        return "SUCCEEDED".equals(p.state()) ? 0 : 1;
    }

    private static String kind(BundleJob p) {
        return p.kind() != null ? p.kind() : "job";
    }
}
