package dev.ferry.server.cli;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.toolchain.GoPlatform;
import dev.ferry.protocols.toolchain.GoRelease;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PrewarmJob;
import dev.ferry.server.admin.api.PrewarmJobs;
import dev.ferry.server.admin.api.StartPrewarm;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry prewarm}: fill a running ferry ahead of need. The files are read here and uploaded; the job runs on
 * the server (POST /admin/api/prewarm) and this command follows it to its end.
 */
@Command(
        name = "prewarm",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Fetch modules and images into a running ferry before they are needed (docs/prewarm.md).",
            "'ferry prewarm --file SET.yaml' runs a mirror set (docs/mirror-sets.md) once; 'go' and 'image' below.",
            "The job runs on the server; this command shows its progress and a summary, and exits 1 when anything",
            "failed (an item, or a line of the input that could not be planned), 2 on a usage error."
        },
        subcommands = {
            PrewarmCommand.Go.class,
            PrewarmCommand.Image.class,
            PrewarmCommand.Status.class,
            PrewarmCommand.Cancel.class,
            PrewarmCommand.ListJobs.class
        })
public final class PrewarmCommand extends AdminCommand {

    @Option(names = "--file", paramLabel = "SET.yaml", description = "Run the mirror set in this file once.")
    Path file;

    @Option(names = "--detach", description = "Print the job id and return at once instead of following the job.")
    boolean detach;

    @Mixin
    ClusterTargets cluster = new ClusterTargets();

    public PrewarmCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    ClusterTargets cluster() {
        return cluster;
    }

    @Override
    void validate() {
        if (file == null) {
            throw usage("give --file SET.yaml, or one of the subcommands go, image, status, cancel, list");
        }
        notDetachedAcrossTheCluster(detach);
    }

    @Override
    int run(AdminClient client) throws AdminClient.Failure {
        return start(client, new StartPrewarm.MirrorSetFile(file.toString(), read(file)), detach);
    }

    int start(AdminClient client, StartPrewarm request, boolean detach) throws AdminClient.Failure {
        PrewarmJob started = client.post(AdminPaths.of(AdminPaths.PREWARM), request, PrewarmJob.class);
        if (detach) {
            out().println(started.id());
            out().flush();
            return 0;
        }
        return new JobWatcher<>(PrewarmFormat.INSTANCE, out(), ctx)
                .follow(started, () -> client.get(AdminPaths.prewarmJob(started.id()), PrewarmJob.class));
    }

    /** {@code ferry prewarm go}. */
    @Command(
            name = "go",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpWidth = 110,
            description = {
                "Prewarm Go modules from a go.mod, a go.sum or MODULE@VERSION queries, or Go toolchains.",
                "--gomod: what the go command reads for the project (build, test, tidy, download all, verify;",
                "minimal version selection with exclude and replace, and the files an untidy go.mod or",
                "go mod tidy reads beyond it); --gosum: exactly what it lists; MODULE@QUERY: versions and queries",
                "(a version, latest, vX, vX.Y, >=vX.Y.Z, all); --toolchain: the Go releases the go command (1.21 and",
                "later) downloads for GOTOOLCHAIN, as modules golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH, for each",
                "--platform (docs/goproxy.md#toolchains)."
            })
    public static final class Go extends AdminCommand {
        @Option(
                names = "--gomod",
                paramLabel = "FILE|DIR",
                description = {
                    "A go.mod: its whole build list; or a module",
                    "or go.work root directory: its go.mod (or go.work and each used module's go.mod), go.sum, and the",
                    "imports of its Go files."
                })
        Path gomod;

        @Option(names = "--gosum", paramLabel = "FILE", description = "A go.sum: every line of it.")
        Path gosum;

        @Option(names = "--all-versions", description = "With MODULE arguments: every listed version of each.")
        boolean allVersions;

        @Option(
                names = "--toolchain",
                paramLabel = "RELEASE",
                split = ",",
                description = {
                    "Go toolchains: releases as GOTOOLCHAIN names them (go1.22.4, go1.23rc1; go1.N before 1.21);",
                    "repeat or separate with commas. Needs --platform."
                })
        List<String> toolchains;

        @Option(
                names = "--platform",
                paramLabel = "LIST",
                description = {
                    "With --toolchain: GOOS/GOARCH,... (e.g. linux/amd64,linux/arm64,darwin/arm64), the platforms",
                    "of the machines that will run the go command. Required: each toolchain is about 70 MB."
                })
        String platforms;

        @Option(names = "--detach", description = "Print the job id and return at once.")
        boolean detach;

        @Parameters(paramLabel = "MODULE@VERSION", arity = "0..*", description = "Modules with a version or query.")
        List<String> modules;

        @picocli.CommandLine.ParentCommand
        PrewarmCommand parent;

        @Mixin
        ClusterTargets cluster = new ClusterTargets();

        public Go(CliContext ctx) {
            super(ctx);
        }

        @Override
        ClusterTargets cluster() {
            return cluster.and(parent.cluster);
        }

        @Override
        void validate() {
            boolean toolchain = toolchains != null && !toolchains.isEmpty();
            int forms = (gomod != null ? 1 : 0)
                    + (gosum != null ? 1 : 0)
                    + (modules != null && !modules.isEmpty() ? 1 : 0)
                    + (toolchain ? 1 : 0);
            if (forms != 1) {
                throw usage("give exactly one of --gomod FILE, --gosum FILE, MODULE@VERSION arguments or --toolchain");
            }
            if (allVersions && (modules == null || modules.isEmpty())) {
                throw usage("--all-versions goes with MODULE arguments");
            }
            if (platforms != null && !toolchain) {
                throw usage("--platform goes with --toolchain (for images: ferry prewarm image --platform)");
            }
            if (toolchain) {
                checkToolchains();
            }
            notDetachedAcrossTheCluster(detach);
        }

        /** Every release and platform parses, so a typo is a usage error here and never reaches the server. */
        private void checkToolchains() {
            if (platforms == null) {
                throw usage("--toolchain needs --platform GOOS/GOARCH,... (e.g. linux/amd64,linux/arm64)");
            }
            try {
                GoPlatform.parseList(platforms);
            } catch (FormatException e) {
                throw usage("--platform: " + e.getMessage());
            }
            for (String t : toolchains) {
                try {
                    GoRelease.parse(t.strip());
                } catch (FormatException e) {
                    throw usage("--toolchain: " + e.getMessage());
                }
            }
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            StartPrewarm request;
            if (gomod != null && java.nio.file.Files.isDirectory(gomod)) {
                request = GoProjectDir.request(gomod);
            } else if (gomod != null) {
                request = StartPrewarm.GoMod.file(gomod.toString(), read(gomod));
            } else if (gosum != null) {
                request = new StartPrewarm.GoSum(gosum.toString(), read(gosum));
            } else if (toolchains != null && !toolchains.isEmpty()) {
                request = new StartPrewarm.Toolchains(
                        toolchains.stream().map(String::strip).toList(), platforms);
            } else {
                request = new StartPrewarm.Modules(modules, allVersions);
            }
            return parent.start(client, request, detach);
        }
    }

    /** {@code ferry prewarm image}. */
    @Command(
            name = "image",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpWidth = 110,
            description = {
                "Prewarm images through ferry's registry mirrors.",
                "Fetches the manifest, for an index the selected platforms' manifests, their configs and",
                "layers, and referrers (signatures, SBOMs) when the registry has them."
            })
    public static final class Image extends AdminCommand {
        @Parameters(
                paramLabel = "REF",
                arity = "1..*",
                description = "[REGISTRY/]REPOSITORY[:TAG|@DIGEST]; without a registry, ferry's default one.")
        List<String> refs;

        @Mixin
        PlatformOption platform;

        @Option(names = "--detach", description = "Print the job id and return at once.")
        boolean detach;

        @picocli.CommandLine.ParentCommand
        PrewarmCommand parent;

        @Mixin
        ClusterTargets cluster = new ClusterTargets();

        public Image(CliContext ctx) {
            super(ctx);
        }

        @Override
        ClusterTargets cluster() {
            return cluster.and(parent.cluster);
        }

        @Override
        void validate() {
            platform.checked(this);
            notDetachedAcrossTheCluster(detach);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            return parent.start(client, new StartPrewarm.Images(refs, platform.value), detach);
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
            PrewarmJob p = client.get(AdminPaths.prewarmJob(id), PrewarmJob.class);
            out().println(p.description());
            if (p.running()) {
                out().println(PrewarmFormat.INSTANCE.line(p));
                out().flush();
                return 0;
            }
            return PrewarmFormat.INSTANCE.summary(p, out());
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
            PrewarmJob p = client.delete(AdminPaths.prewarmJob(id), null, PrewarmJob.class);
            out().println("cancelling " + id + ": " + p.state().toLowerCase(java.util.Locale.ROOT));
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
            for (PrewarmJob p : client.get(AdminPaths.of(AdminPaths.PREWARM), PrewarmJobs.class)
                    .jobs()) {
                out().println(p.id() + "  " + p.state() + "  " + p.done() + "/" + p.total() + " items, " + p.failed()
                        + " failed  " + p.description());
            }
            out().flush();
            return 0;
        }
    }
}
