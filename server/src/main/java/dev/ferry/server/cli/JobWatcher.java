package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Follows a prewarm job until it ends: a progress bar redrawn in place on a terminal, a plain line per change of
 * the counts otherwise; then the summary. Returns the exit status: 0 when everything was fetched, 1 when an item
 * failed, part of the request could not be planned, or the job was cancelled.
 */
final class JobWatcher {
    private static final int BAR = 30;

    private final AdminClient client;
    private final PrintWriter out;
    private final CliContext ctx;

    JobWatcher(AdminClient client, PrintWriter out, CliContext ctx) {
        this.client = client;
        this.out = out;
        this.ctx = ctx;
    }

    /** How to read the job's progress again. */
    @FunctionalInterface
    interface Fetch {
        JsonNode get() throws AdminClient.Failure;
    }

    int follow(JsonNode started) throws AdminClient.Failure {
        String id = started.get("id").asText();
        return follow(started, () -> client.get("/admin/api/prewarm/" + id));
    }

    int follow(JsonNode started, Fetch fetch) throws AdminClient.Failure {
        String id = started.get("id").asText();
        out.println("prewarm " + id + ": " + started.path("description").asText());
        out.flush();
        JsonNode p = started;
        String lastLine = null;
        boolean drew = false;
        while (running(p)) {
            try {
                Thread.sleep(ctx.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminClient.Failure("interrupted; the job goes on on the server: ferry prewarm status " + id, 1);
            }
            p = fetch.get();
            if (ctx.terminal()) {
                out.print("\r" + bar(p));
                out.flush();
                drew = true;
            } else {
                String line = line(p);
                if (!line.equals(lastLine)) {
                    out.println(line);
                    out.flush();
                    lastLine = line;
                }
            }
        }
        if (drew) {
            out.print("\r" + bar(p) + "\n");
        }
        return summary(p, out);
    }

    static boolean running(JsonNode p) {
        String s = p.path("state").asText();
        return s.equals("PLANNING") || s.equals("PENDING") || s.equals("RUNNING");
    }

    static String bar(JsonNode p) {
        int total = p.path("total").asInt();
        int done = p.path("done").asInt();
        if (p.path("state").asText().equals("PLANNING")) {
            return String.format(Locale.ROOT, "%-" + (BAR + 2) + "s planning...", "[" + "?".repeat(BAR) + "]");
        }
        int filled = total == 0 ? BAR : (int) ((long) done * BAR / total);
        String current = p.path("current").isArray() && !p.path("current").isEmpty()
                ? "  " + p.path("current").get(0).asText() : "";
        String s = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] " + done + "/" + total + "  "
                + bytes(p.path("bytes").asLong()) + (p.path("failed").asInt() > 0 ? "  " + p.path("failed").asInt()
                + " failed" : "") + current;
        s = s.length() > 110 ? s.substring(0, 110) : s;
        return String.format(Locale.ROOT, "%-110s", s);
    }

    static String line(JsonNode p) {
        if (p.path("state").asText().equals("PLANNING")) {
            return "planning...";
        }
        return "progress: " + p.path("done").asInt() + "/" + p.path("total").asInt() + " items, "
                + p.path("failed").asInt() + " failed, " + bytes(p.path("bytes").asLong());
    }

    /** Prints the report; returns 0 when all went well, else 1. */
    static int summary(JsonNode p, PrintWriter out) {
        String state = p.path("state").asText();
        int failed = p.path("failed").asInt();
        int total = p.path("total").asInt();
        int skipped = p.path("skipped").asInt();
        out.println(state.toLowerCase(Locale.ROOT) + ": " + total + " items, " + (p.path("done").asInt() - failed)
                + " fetched or already stored, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : "")
                + "; " + bytes(p.path("bytes").asLong()));
        if (failed > 0) {
            out.println("failures:");
            for (JsonNode f : p.path("failures")) {
                out.println("  " + f.path("item").asText() + ": " + f.path("reason").asText());
            }
        }
        JsonNode errors = p.path("planErrors");
        if (!errors.isEmpty()) {
            out.println("plan errors:");
            for (JsonNode e : errors) {
                out.println("  " + e.path("text").asText());
            }
        }
        for (JsonNode n : p.path("notes")) {
            out.println("note: " + n.asText());
        }
        out.flush();
        return state.equals("SUCCEEDED") && failed == 0 && errors.isEmpty() ? 0 : 1;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
