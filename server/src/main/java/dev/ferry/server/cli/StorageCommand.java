package dev.ferry.server.cli;

import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.StorageReport;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry storage}: GET /admin/api/storage. */
@Command(
        name = "storage",
        mixinStandardHelpOptions = true,
        description = "Show a running ferry's store: size, quota, pinned content, object and chunk counts, hit ratio.")
public final class StorageCommand extends AdminCommand {
    @Option(names = "--json", description = "Print the API's JSON as is.")
    boolean json;

    public StorageCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        String path = AdminPaths.of(AdminPaths.STORAGE);
        if (json) {
            out().println(AdminJson.pretty(client.get(path)));
            out().flush();
            return 0;
        }
        StorageReport s = client.get(path, StorageReport.class);
        out().println("objects:    " + s.objects() + " (" + Units.bytes(s.objectBytes()) + ")");
        out().println("chunks:     " + s.chunks() + " (" + Units.bytes(s.chunkBytes()) + ")");
        out().println("disk used:  " + Units.bytes(s.diskBytes())
                + " (every file of the store: SST and blob files, WAL, MANIFEST, OPTIONS, logs)");
        out().println("size:       " + Units.bytes(s.sizeBytes()) + " (what the quota measures)");
        out().println("quota:      "
                + (s.quotaBytes() != null && s.quotaBytes() > 0
                        ? Units.bytes(s.quotaBytes())
                                + String.format(
                                        Locale.ROOT,
                                        " (%.1f%% used)",
                                        100 * (s.quotaUsed() == null ? 0 : s.quotaUsed()))
                        : "none"));
        StorageReport.Evicted e = s.evicted();
        out().println("evicted:    " + e.objects() + " objects (" + Units.bytes(e.bytes())
                + ") since the store was created");
        StorageReport.Pinned p = s.pinned();
        out().println("pinned:     " + p.objects() + " objects in " + p.sets() + " pin sets (" + Units.bytes(p.bytes())
                + ")");
        StorageReport.Cache c = s.cache();
        out().println("hit ratio:  "
                + (c.hitRatio() != null ? String.format(Locale.ROOT, "%.1f%%", 100 * c.hitRatio()) : "n/a")
                + " (" + c.hits() + " hits, " + c.stale() + " stale, " + c.misses() + " misses since start)");
        out().flush();
        return 0;
    }
}
