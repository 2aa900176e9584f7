package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry mirror-set add|list|remove|run}: /admin/api/mirror-sets. */
@Command(name = "mirror-set", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Register mirror sets with a running ferry, list and remove them.",
                "A registered set (docs/mirror-sets.md) runs now and then again every refresh interval, fetching",
                "new matching versions and tags; what it stores is pinned."},
        subcommands = {MirrorSetCommand.Add.class, MirrorSetCommand.ListSets.class, MirrorSetCommand.Remove.class,
                MirrorSetCommand.Run.class})
public final class MirrorSetCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a subcommand: add, list, remove, run");
    }

    static String describe(JsonNode s) {
        JsonNode last = s.path("lastRun");
        String run = last.isMissingNode() || last.isNull() ? "not run yet"
                : "last run " + last.path("state").asText().toLowerCase(java.util.Locale.ROOT) + " ("
                + last.path("done").asInt() + "/" + last.path("total").asInt() + " items, " + last.path("failed").asInt()
                + " failed, " + last.path("planErrors").size() + " plan errors)";
        return s.path("name").asText() + (s.hasNonNull("refresh") ? "  every " + s.path("refresh").asText()
                : "  not scheduled") + "  " + run
                + (s.hasNonNull("nextRun") ? "  next " + s.path("nextRun").asText() : "");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register (or replace) a mirror set.")
    public static final class Add extends AdminCommand {
        @Parameters(paramLabel = "SET.yaml", description = "The mirror-set file.")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "The set's name (default: its name: key, else the file name).")
        String name;

        @Option(names = "--refresh", paramLabel = "DURATION",
                description = "How often it runs again, e.g. 6h (default: its refresh: key; one of them is needed).")
        String refresh;

        public Add(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            ObjectNode body = JSON.createObjectNode().put("content", read(file))
                    .put("fileName", file.getFileName().toString());
            if (name != null) {
                body.put("name", name);
            }
            if (refresh != null) {
                body.put("refresh", refresh);
            }
            JsonNode s = client.post("/admin/api/mirror-sets", body);
            out().println("registered " + s.path("name").asText() + ", refreshed every " + s.path("refresh").asText()
                    + "; the first run has started ('ferry mirror-set list' shows its report)");
            out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registered sets and their last runs.")
    public static final class ListSets extends AdminCommand {
        public ListSets(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode sets = client.get("/admin/api/mirror-sets").path("mirrorSets");
            if (sets.isEmpty()) {
                out().println("no mirror sets registered");
            }
            for (JsonNode s : sets) {
                out().println(describe(s));
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Unregister a set (its pins are dropped).")
    public static final class Remove extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "The set's name.")
        String name;

        public Remove(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            client.delete("/admin/api/mirror-sets/" + name, null);
            out().println("removed " + name);
            out().flush();
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a registered set now and follow the run.")
    public static final class Run extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "The set's name.")
        String name;

        public Run(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode started = client.post("/admin/api/mirror-sets/" + name + "/run", JSON.createObjectNode());
            return new JobWatcher(client, out(), ctx).follow(started,
                    () -> client.get("/admin/api/mirror-sets/" + name).path("lastRun"));
        }
    }
}
