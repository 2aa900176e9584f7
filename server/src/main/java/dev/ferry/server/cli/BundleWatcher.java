package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Follows an export or import job until it ends: on a terminal a progress bar redrawn in place (phase, bytes, rate);
 * otherwise a plain line when the phase changes and at every tenth of it; then the summary. Returns the exit status:
 * 0 when the job succeeded, 1 when it failed or was cancelled.
 */
final class BundleWatcher {
    private static final int BAR = 24;
    private static final int WIDTH = 110;

    private final PrintWriter out;
    private final CliContext ctx;

    BundleWatcher(PrintWriter out, CliContext ctx) {
        this.out = out;
        this.ctx = ctx;
    }

    /** Follows the job {@code started} describes, reading it again from {@code path} + its id. */
    int follow(AdminClient client, String path, JsonNode started) throws AdminClient.Failure {
        String id = started.path("id").asText();
        return follow(started, () -> client.get(path + id));
    }

    int follow(JsonNode started, JobWatcher.Fetch fetch) throws AdminClient.Failure {
        String id = started.path("id").asText();
        String kind = started.path("kind").asText("job");
        out.println(heading(started));
        out.flush();
        JsonNode p = started;
        String lastKey = null;
        boolean drew = false;
        while (running(p)) {
            try {
                Thread.sleep(ctx.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminClient.Failure("interrupted; the " + kind + " goes on on the server ('ferry " + kind
                        + " status " + id + "' shows it, 'ferry " + kind + " cancel " + id + "' stops it)", 1);
            }
            p = fetch.get();
            if (!running(p)) {
                break;
            }
            if (ctx.terminal()) {
                out.print("\r" + bar(p));
                out.flush();
                drew = true;
            } else {
                String key = p.path("phase").asText() + "/" + tenth(p);
                if (!key.equals(lastKey)) {
                    out.println(line(p));
                    out.flush();
                    lastKey = key;
                }
            }
        }
        if (drew) {
            out.print("\r" + " ".repeat(WIDTH) + "\r");
        }
        return summary(p, out);
    }

    /** "export ID: DIRECTORY". */
    static String heading(JsonNode p) {
        return p.path("kind").asText("job") + " " + p.path("id").asText()
                + (p.hasNonNull("directory") ? ": " + p.path("directory").asText() : "");
    }

    static boolean running(JsonNode p) {
        return p.path("state").asText().equals("RUNNING");
    }

    /** Which tenth of the phase is done (bytes when known, else items); -1 when neither total is known. */
    private static long tenth(JsonNode p) {
        long total = p.path("bytesTotal").asLong(-1);
        long done = p.path("bytesDone").asLong();
        if (total <= 0) {
            total = p.path("itemsTotal").asLong(-1);
            done = p.path("itemsDone").asLong();
        }
        return total <= 0 ? -1 : Math.min(10, done * 10 / total);
    }

    static String bar(JsonNode p) {
        long total = p.path("bytesTotal").asLong(-1);
        long done = p.path("bytesDone").asLong();
        String gauge;
        if (total > 0) {
            int filled = (int) Math.min(BAR, done * BAR / total);
            gauge = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] ";
        } else {
            gauge = "[" + "?".repeat(BAR) + "] ";
        }
        String s = gauge + counts(p);
        s = s.length() > WIDTH ? s.substring(0, WIDTH) : s;
        return String.format(Locale.ROOT, "%-" + WIDTH + "s", s);
    }

    static String line(JsonNode p) {
        return counts(p);
    }

    /** "writing: 1.2 GiB of 4.0 GiB, 120/300 items, 35.2 MB/s". */
    private static String counts(JsonNode p) {
        long total = p.path("bytesTotal").asLong(-1);
        long items = p.path("itemsTotal").asLong(-1);
        StringBuilder sb = new StringBuilder(p.path("phase").asText("working")).append(": ")
                .append(JobWatcher.bytes(p.path("bytesDone").asLong()));
        if (total >= 0) {
            sb.append(" of ").append(JobWatcher.bytes(total));
        }
        sb.append(", ").append(p.path("itemsDone").asLong()).append(items >= 0 ? "/" + items : "").append(" items, ")
                .append(rate(p.path("bytesPerSecond").asDouble()));
        return sb.toString();
    }

    static String rate(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    /** Prints the report; 0 when the job succeeded, else 1. */
    static int summary(JsonNode p, PrintWriter out) {
        String state = p.path("state").asText();
        StringBuilder head = new StringBuilder(state.toLowerCase(Locale.ROOT)).append(": ").append(p.path("kind").asText("job"));
        if (p.hasNonNull("bundleId")) {
            head.append(" of bundle ").append(p.path("bundleId").asText());
        }
        if (p.hasNonNull("directory")) {
            head.append(" (").append(p.path("directory").asText()).append(")");
        }
        if (p.path("bytesPerSecond").asDouble() > 0) {
            head.append(", ").append(rate(p.path("bytesPerSecond").asDouble())).append(" on average");
        }
        out.println(head);
        int width = 0;
        for (JsonNode c : p.path("summary")) {
            width = Math.max(width, c.path("what").asText().length());
        }
        for (JsonNode c : p.path("summary")) {
            String what = c.path("what").asText();
            long v = c.path("value").asLong();
            out.println(String.format(Locale.ROOT, "  %-" + (width + 1) + "s %d%s", what + ":", v,
                    what.contains("bytes") && v >= 1024 ? " (" + JobWatcher.bytes(v) + ")" : ""));
        }
        for (JsonNode n : p.path("notes")) {
            out.println("note: " + n.asText());
        }
        if (p.hasNonNull("error")) {
            out.println("error: " + p.path("error").asText());
        }
        out.flush();
        return state.equals("SUCCEEDED") ? 0 : 1;
    }
}
