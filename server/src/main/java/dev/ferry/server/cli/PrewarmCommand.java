package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.FormatException;
import dev.ferry.sync.Platforms;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry prewarm}: fill a running ferry ahead of need. The files are read here and uploaded; the job runs on
 * the server (POST /admin/api/prewarm) and this command follows it to its end.
 */
@Command(name = "prewarm",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {"Fetch modules and images into a running ferry before they are needed (docs/prewarm.md).",
                "'ferry prewarm --file SET.yaml' runs a mirror set (docs/mirror-sets.md) once; 'go' and 'image' below.",
                "The job runs on the server; this command shows its progress and a summary, and exits 1 when anything",
                "failed (an item, or a line of the input that could not be planned), 2 on a usage error."},
        subcommands = {PrewarmCommand.Go.class, PrewarmCommand.Image.class, PrewarmCommand.Status.class,
                PrewarmCommand.Cancel.class, PrewarmCommand.ListJobs.class})
public final class PrewarmCommand extends AdminCommand {

    @Option(names = "--file", paramLabel = "SET.yaml", description = "Run the mirror set in this file once.")
    Path file;

    @Option(names = "--detach", description = "Print the job id and return at once instead of following the job.")
    boolean detach;

    public PrewarmCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    void validate() {
        if (file == null) {
            throw usage("give --file SET.yaml, or one of the subcommands go, image, status, cancel, list");
        }
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        ObjectNode body = JSON.createObjectNode().put("kind", "mirrorset").put("name", file.toString())
                .put("content", read(file));
        return start(client, body, detach);
    }

    int start(AdminClient client, ObjectNode body, boolean detach) throws AdminClient.Failure {
        JsonNode started = client.post("/admin/api/prewarm", body);
        if (detach) {
            out().println(started.get("id").asText());
            out().flush();
            return 0;
        }
        return new JobWatcher(client, out(), ctx).follow(started);
    }

    /** {@code ferry prewarm go}. */
    @Command(name = "go", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
            description = {"Prewarm Go modules from a go.mod, a go.sum or MODULE@VERSION queries.",
                    "--gomod: what the go command reads for the project (build, test, tidy, download all, verify;",
                    "minimal version selection with exclude and replace, and the files an untidy go.mod or",
                    "go mod tidy reads beyond it); --gosum: exactly what it lists; MODULE@QUERY: versions and queries",
                    "(a version, latest, vX, vX.Y, >=vX.Y.Z, all)."})
    public static final class Go extends AdminCommand {
        @Option(names = "--gomod", paramLabel = "FILE|DIR", description = {"A go.mod: its whole build list; or a module",
                "or go.work root directory: its go.mod (or go.work and each used module's go.mod), go.sum, and the",
                "imports of its Go files."})
        Path gomod;

        @Option(names = "--gosum", paramLabel = "FILE", description = "A go.sum: every line of it.")
        Path gosum;

        @Option(names = "--all-versions", description = "With MODULE arguments: every listed version of each.")
        boolean allVersions;

        @Option(names = "--detach", description = "Print the job id and return at once.")
        boolean detach;

        @Parameters(paramLabel = "MODULE@VERSION", arity = "0..*", description = "Modules with a version or query.")
        List<String> modules;

        @picocli.CommandLine.ParentCommand
        PrewarmCommand parent;

        public Go(CliContext ctx) {
            super(ctx);
        }

        @Override
        void validate() {
            int forms = (gomod != null ? 1 : 0) + (gosum != null ? 1 : 0) + (modules != null && !modules.isEmpty() ? 1 : 0);
            if (forms != 1) {
                throw usage("give exactly one of --gomod FILE, --gosum FILE or MODULE@VERSION arguments");
            }
            if (allVersions && (modules == null || modules.isEmpty())) {
                throw usage("--all-versions goes with MODULE arguments");
            }
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            ObjectNode body = JSON.createObjectNode();
            if (gomod != null && java.nio.file.Files.isDirectory(gomod)) {
                body = GoProjectDir.body(gomod);
            } else if (gomod != null) {
                body.put("kind", "gomod").put("name", gomod.toString()).put("content", read(gomod));
            } else if (gosum != null) {
                body.put("kind", "gosum").put("name", gosum.toString()).put("content", read(gosum));
            } else {
                body.put("kind", "modules").put("allVersions", allVersions);
                ArrayNode items = body.putArray("items");
                modules.forEach(items::add);
            }
            return parent.start(client, body, detach);
        }
    }

    /** {@code ferry prewarm image}. */
    @Command(name = "image", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
            description = {"Prewarm images through ferry's registry mirrors.",
                    "Fetches the manifest, for an index the selected platforms' manifests, their configs and",
                    "layers, and referrers (signatures, SBOMs) when the registry has them."})
    public static final class Image extends AdminCommand {
        @Parameters(paramLabel = "REF", arity = "1..*",
                description = "[REGISTRY/]REPOSITORY[:TAG|@DIGEST]; without a registry, ferry's default one.")
        List<String> refs;

        @Option(names = "--platform", paramLabel = "LIST", defaultValue = "linux/amd64,linux/arm64",
                description = "os/arch[/variant],... or all. Default: ${DEFAULT-VALUE}.")
        String platform;

        @Option(names = "--detach", description = "Print the job id and return at once.")
        boolean detach;

        @picocli.CommandLine.ParentCommand
        PrewarmCommand parent;

        public Image(CliContext ctx) {
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
            ObjectNode body = JSON.createObjectNode().put("kind", "images").put("platforms", platform);
            ArrayNode items = body.putArray("items");
            refs.forEach(items::add);
            return parent.start(client, body, detach);
        }
    }

    /** {@code ferry prewarm status ID}. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's progress or report.")
    public static final class Status extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "The job id.")
        String id;

        public Status(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode p = client.get("/admin/api/prewarm/" + id);
            out().println(p.path("description").asText());
            if (JobWatcher.running(p)) {
                out().println(JobWatcher.line(p));
                out().flush();
                return 0;
            }
            return JobWatcher.summary(p, out());
        }
    }

    /** {@code ferry prewarm cancel ID}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job.")
    public static final class Cancel extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "The job id.")
        String id;

        public Cancel(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode p = client.delete("/admin/api/prewarm/" + id, null);
            out().println("cancelling " + id + ": " + p.path("state").asText().toLowerCase(java.util.Locale.ROOT));
            out().flush();
            return 0;
        }
    }

    /** {@code ferry prewarm list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List running and recent jobs.")
    public static final class ListJobs extends AdminCommand {
        public ListJobs(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            for (JsonNode p : client.get("/admin/api/prewarm").path("jobs")) {
                out().println(p.path("id").asText() + "  " + p.path("state").asText() + "  " + p.path("done").asInt()
                        + "/" + p.path("total").asInt() + " items, " + p.path("failed").asInt() + " failed  "
                        + p.path("description").asText());
            }
            out().flush();
            return 0;
        }
    }
}
