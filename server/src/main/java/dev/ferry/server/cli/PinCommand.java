package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.FormatException;
import dev.ferry.sync.Platforms;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry pin ITEM...}: POST /admin/api/pins. */
@Command(name = "pin", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = {"Pin content in a running ferry so that eviction keeps it.",
                "An item is MODULE@VERSION (its .info, .mod and .zip) or an image reference",
                "([REGISTRY/]REPOSITORY[:TAG|@DIGEST]). What is not stored yet is fetched first.",
                "Exit 1 when an item could not be pinned."})
public final class PinCommand extends AdminCommand {
    @Parameters(paramLabel = "ITEM", arity = "1..*", description = "MODULE@VERSION or an image reference.")
    List<String> items;

    @Option(names = "--platform", paramLabel = "LIST", defaultValue = "linux/amd64,linux/arm64",
            description = "For images: os/arch[/variant],... or all. Default: ${DEFAULT-VALUE}.")
    String platform;

    public PinCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    void validate() {
        try {
            Platforms.parse(platform);
        } catch (FormatException e) {
            throw usage("--platform: " + e.getMessage());
        }
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        ObjectNode body = JSON.createObjectNode().put("platforms", platform);
        ArrayNode list = body.putArray("items");
        items.forEach(list::add);
        JsonNode r = client.post("/admin/api/pins", body);
        int failed = 0;
        for (JsonNode i : r.path("results")) {
            if (i.hasNonNull("error")) {
                failed++;
                out().println("not pinned: " + i.path("item").asText() + ": " + i.path("error").asText());
            } else {
                out().println("pinned " + i.path("item").asText() + ": " + i.path("objects").asLong() + " objects, "
                        + JobWatcher.bytes(i.path("bytes").asLong()));
            }
        }
        out().flush();
        return failed == 0 ? 0 : 1;
    }

    /** {@code ferry unpin ITEM...}: DELETE /admin/api/pins. */
    @Command(name = "unpin", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Drop the pins 'ferry pin' and prewarm jobs made for each item.",
                    "Content a registered mirror set pinned stays pinned until the set is removed."})
    public static final class Unpin extends AdminCommand {
        @Parameters(paramLabel = "ITEM", arity = "1..*", description = "MODULE@VERSION or an image reference.")
        List<String> items;

        public Unpin(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("items");
            items.forEach(list::add);
            JsonNode r = client.delete("/admin/api/pins", body);
            for (JsonNode i : r.path("results")) {
                long n = i.path("released").asLong();
                out().println(n == 0 ? "not pinned: " + i.path("item").asText()
                        : "unpinned " + i.path("item").asText() + ": " + n + " pins released");
            }
            out().flush();
            return 0;
        }
    }
}
