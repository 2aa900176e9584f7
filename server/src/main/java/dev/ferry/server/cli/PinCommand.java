package dev.ferry.server.cli;

import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PinItems;
import dev.ferry.server.admin.api.PinResults;
import dev.ferry.server.admin.api.UnpinItems;
import dev.ferry.server.admin.api.UnpinResults;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry pin ITEM...}: POST /admin/api/pins. */
@Command(
        name = "pin",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Pin content in a running ferry so that eviction keeps it.",
            "An item is MODULE@VERSION (its .info, .mod and .zip) or an image reference",
            "([REGISTRY/]REPOSITORY[:TAG|@DIGEST]). What is not stored yet is fetched first.",
            "Exit 1 when an item could not be pinned."
        })
public final class PinCommand extends AdminCommand {
    @Parameters(paramLabel = "ITEM", arity = "1..*", description = "MODULE@VERSION or an image reference.")
    List<String> items;

    @Mixin
    PlatformOption platform;

    @Mixin
    ClusterTargets cluster = new ClusterTargets();

    public PinCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    ClusterTargets cluster() {
        return cluster;
    }

    @Override
    void validate() {
        platform.checked(this);
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        PinResults r =
                client.post(AdminPaths.of(AdminPaths.PINS), new PinItems(items, platform.value), PinResults.class);
        int failed = 0;
        for (PinResults.Result i : r.results()) {
            if (i.error() != null) {
                failed++;
                out().println("not pinned: " + i.item() + ": " + i.error());
            } else {
                out().println("pinned " + i.item() + ": " + i.objects() + " objects, " + Units.bytes(i.bytes()));
            }
        }
        out().flush();
        return failed == 0 ? 0 : 1;
    }

    /** {@code ferry unpin ITEM...}: DELETE /admin/api/pins. */
    @Command(
            name = "unpin",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Drop the pins 'ferry pin' and prewarm jobs made for each item.",
                "Content a registered mirror set pinned stays pinned until the set is removed."
            })
    public static final class Unpin extends AdminCommand {
        @Parameters(paramLabel = "ITEM", arity = "1..*", description = "MODULE@VERSION or an image reference.")
        List<String> items;

        @Mixin
        ClusterTargets cluster = new ClusterTargets();

        public Unpin(CliContext ctx) {
            super(ctx);
        }

        @Override
        ClusterTargets cluster() {
            return cluster;
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            UnpinResults r = client.delete(AdminPaths.of(AdminPaths.PINS), new UnpinItems(items), UnpinResults.class);
            for (UnpinResults.Result i : r.results()) {
                long n = i.released();
                out().println(
                                n == 0
                                        ? "not pinned: " + i.item()
                                        : "unpinned " + i.item() + ": " + n + " pins released");
            }
            out().flush();
            return 0;
        }
    }
}
