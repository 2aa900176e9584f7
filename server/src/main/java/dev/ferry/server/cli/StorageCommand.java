package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry storage}: GET /admin/api/storage. */
@Command(name = "storage", mixinStandardHelpOptions = true,
        description = "Show a running ferry's store: size, quota, pinned content, object and chunk counts, hit ratio.")
public final class StorageCommand extends AdminCommand {
    @Option(names = "--json", description = "Print the API's JSON as is.")
    boolean json;

    public StorageCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        JsonNode s = client.get("/admin/api/storage");
        if (json) {
            out().println(s.toPrettyString());
            out().flush();
            return 0;
        }
        out().println("objects:    " + s.path("objects").asLong() + " (" + JobWatcher.bytes(s.path("objectBytes").asLong()) + ")");
        out().println("chunks:     " + s.path("chunks").asLong() + " (" + JobWatcher.bytes(s.path("chunkBytes").asLong()) + ")");
        out().println("disk used:  " + JobWatcher.bytes(s.path("diskBytes").asLong())
                + " (every file of the store: SST and blob files, WAL, MANIFEST, OPTIONS, logs)");
        out().println("size:       " + JobWatcher.bytes(s.path("sizeBytes").asLong()) + " (what the quota measures)");
        out().println("quota:      " + (s.path("quotaBytes").isNumber() && s.path("quotaBytes").asLong() > 0
                ? JobWatcher.bytes(s.path("quotaBytes").asLong()) + String.format(Locale.ROOT, " (%.1f%% used)",
                        100 * s.path("quotaUsed").asDouble()) : "none"));
        JsonNode e = s.path("evicted");
        out().println("evicted:    " + e.path("objects").asLong() + " objects (" + JobWatcher.bytes(e.path("bytes").asLong())
                + ") since the store was created");
        JsonNode p = s.path("pinned");
        out().println("pinned:     " + p.path("objects").asLong() + " objects in " + p.path("sets").asLong() + " pin sets ("
                + JobWatcher.bytes(p.path("bytes").asLong()) + ")");
        JsonNode c = s.path("cache");
        out().println("hit ratio:  " + (c.path("hitRatio").isNumber()
                ? String.format(Locale.ROOT, "%.1f%%", 100 * c.path("hitRatio").asDouble()) : "n/a")
                + " (" + c.path("hits").asLong() + " hits, " + c.path("stale").asLong() + " stale, "
                + c.path("misses").asLong() + " misses since start)");
        out().flush();
        return 0;
    }
}
