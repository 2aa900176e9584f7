package dev.ferry.server.cli;

import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.BundleJob;
import dev.ferry.server.admin.api.BundleJobs;
import dev.ferry.server.admin.api.Count;
import dev.ferry.server.admin.api.ExportHistory;
import dev.ferry.server.admin.api.InventoryWritten;
import dev.ferry.server.admin.api.StartExport;
import dev.ferry.server.admin.api.StartImport;
import dev.ferry.server.admin.api.WriteInventory;
import dev.ferry.server.config.ByteRates;
import dev.ferry.server.config.TrustedKeys;
import dev.ferry.sync.bundle.ExportRequest;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry export}, {@code ferry import}, {@code ferry inventory} and {@code ferry bundles}: bundle jobs run on
 * the server (the directories are where the medium is mounted there); these commands start them through the admin
 * API and follow them. Server paths given relative are made absolute against this command's working directory.
 */
public final class BundleCommands {
    private BundleCommands() {}

    /** An absolute, normalised path for the server; a usage error for text that is no path. */
    static String serverPath(AdminCommand c, String option, String text) {
        try {
            return Path.of(text).toAbsolutePath().normalize().toString();
        } catch (InvalidPathException e) {
            throw c.usage(option + ": not a path: " + text);
        }
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpWidth = 110,
            description = {
                "Export a signed bundle for an offline site from a running ferry (docs/bundles.md).",
                "Writes what this ferry holds into DIR/<bundle id>/, or a plain GOPROXY tree or OCI layouts for",
                "sites without ferry (--format; docs/bundles-plain.md).",
                "Selects everything unless --set, --module or --image say otherwise. Ships only what the other",
                "site lacks with --inventory (its 'ferry inventory' file) or --since (an earlier bundle to it).",
                "The job runs on the server: --to and --inventory are paths on the server's filesystem (a relative",
                "path is made absolute against this directory); --set is read here and sent.",
                "'ferry export status|cancel ID' and 'ferry export list' show and stop export jobs.",
                "Exit 0 when the bundle was written, 1 when the export failed, 2 on a usage error."
            },
            subcommands = {JobStatus.class, JobCancel.class, JobList.class})
    public static final class Export extends AdminCommand {
        // Not picocli-required: a required option here would be demanded of 'ferry export status ID' too.
        @Option(
                names = "--to",
                paramLabel = "DIR",
                description = "Directory (on the server, under a --bundle-root) the bundle is written into, as"
                        + " DIR/<bundle id>/.")
        String to;

        @Option(
                names = "--set",
                paramLabel = "FILE",
                description = "Export what this mirror-set file selects (read here).")
        Path set;

        @Option(
                names = "--module",
                paramLabel = "PATTERN",
                description = "Module path pattern (GOPRIVATE globs, optionally @VERSION); repeatable.")
        List<String> modules;

        @Option(
                names = "--image",
                paramLabel = "PATTERN",
                description = "[REGISTRY/]REPOSITORY[:TAG|@DIGEST], globs in the repository; repeatable.")
        List<String> images;

        @Option(
                names = "--inventory",
                paramLabel = "FILE",
                description = "The receiving site's 'ferry inventory' file (on the server, under a --bundle-root): ship"
                        + " only what it lacks.")
        String inventory;

        @Option(
                names = "--since",
                paramLabel = "BUNDLE-ID",
                description = "Ship only what was added since this earlier bundle to the same site: one of the"
                        + " newest five to it (ferry keeps what each of those left the site holding).")
        String since;

        @Option(names = "--site", paramLabel = "NAME", description = "The receiving site's name, for the history.")
        String site;

        @Option(
                names = "--max-volume-size",
                paramLabel = "SIZE",
                description = "Largest volume file, e.g. 4GiB, 700MB, 4480MB (DVD); at least 2MiB."
                        + " Default: 4GiB less one byte (FAT32).")
        String maxVolumeSize;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "bundle",
                description = "bundle, goproxy or oci-layout. Default: ${DEFAULT-VALUE}.")
        String format;

        @Option(names = "--detach", description = "Print the job id and return at once instead of following the job.")
        boolean detach;

        public Export(CliContext ctx) {
            super(ctx);
        }

        /** The size --max-volume-size gives, checked by {@link #validate}; null: the server's default. */
        private Long maxVolumeBytes;

        @Override
        void validate() {
            if (to == null) {
                throw usage("give --to DIR, or one of the subcommands status, cancel, list");
            }
            if (set != null && ((modules != null && !modules.isEmpty()) || (images != null && !images.isEmpty()))) {
                throw usage("give --set FILE or --module/--image patterns, not both");
            }
            if (inventory != null && since != null) {
                throw usage("give --inventory FILE or --since BUNDLE-ID, not both");
            }
            if (!List.of("bundle", "goproxy", "oci-layout").contains(format)) {
                throw usage("--format: want bundle, goproxy or oci-layout, not " + format);
            }
            if (!format.equals("bundle") && (inventory != null || since != null)) {
                throw usage("--inventory and --since go with --format bundle (plain formats are always whole)");
            }
            if (maxVolumeSize != null) {
                long n;
                try {
                    n = ByteRates.parse(maxVolumeSize);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw usage("--max-volume-size: " + e.getMessage());
                }
                if (n < ExportRequest.MIN_MAX_VOLUME_SIZE) {
                    throw usage("--max-volume-size: at least 2MiB, not " + maxVolumeSize);
                }
                maxVolumeBytes = n;
            }
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            String toPath = serverPath(this, "--to", to);
            StartExport.SetFile setFile = set == null
                    ? null
                    : new StartExport.SetFile(set.getFileName().toString(), read(set));
            List<String> mods = modules == null || modules.isEmpty() ? null : modules;
            List<String> imgs = images == null || images.isEmpty() ? null : images;
            Boolean everything = set == null && mods == null && imgs == null ? Boolean.TRUE : null;
            String inventoryPath = inventory == null ? null : serverPath(this, "--inventory", inventory);
            BundleJob started = client.post(
                    AdminPaths.of(AdminPaths.EXPORTS),
                    new StartExport(
                            toPath,
                            format,
                            site,
                            everything,
                            setFile,
                            mods,
                            imgs,
                            inventoryPath,
                            since,
                            maxVolumeBytes),
                    BundleJob.class);
            return follow(this, client, started, detach);
        }
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpWidth = 110,
            description = {
                "Import a signed bundle into a running ferry (docs/bundles.md).",
                "Its signature is checked against the trusted keys, every volume, chunk and object against its",
                "digest, before anything is served.",
                "Rerun after an interruption, it finishes the job.",
                "DIR is the bundle's directory on the server, under one of its bundle roots (--bundle-root; relative",
                "paths are made absolute against this directory); when its volumes are spread over several media,",
                "give every directory holding some.",
                "'ferry import status|cancel ID' and 'ferry import list' show and stop import jobs (a directory",
                "named like one of these is given as ./status).",
                "Exit 0 when the bundle was imported, 1 when it was refused or failed, 2 on a usage error."
            },
            subcommands = {JobStatus.class, JobCancel.class, JobList.class})
    public static final class Import extends AdminCommand {
        // At least one, checked in validate(): picocli would demand it of 'ferry import status ID' too.
        @Parameters(
                paramLabel = "DIR",
                arity = "0..*",
                description = "The bundle directory, then any more holding volumes.")
        List<String> dirs;

        @Option(
                names = "--trust",
                paramLabel = "KEY|FILE",
                description =
                        "Also accept bundles signed by this key: a verifier key (name+hash+base64) or a file (read"
                                + " here) with one per line; repeatable. Only a server started with"
                                + " --allow-request-trust takes it (and audits it); its --trust-key keys always count.")
        List<String> trust;

        @Option(names = "--detach", description = "Print the job id and return at once instead of following the job.")
        boolean detach;

        @Mixin
        ClusterTargets cluster = new ClusterTargets();

        public Import(CliContext ctx) {
            super(ctx);
        }

        @Override
        ClusterTargets cluster() {
            return cluster;
        }

        @Override
        void validate() {
            if (dirs == null || dirs.isEmpty()) {
                throw usage("give the bundle's DIR, or one of the subcommands status, cancel, list");
            }
            notDetachedAcrossTheCluster(detach);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            List<String> from = new ArrayList<>();
            for (String d : dirs) {
                from.add(serverPath(this, "DIR", d));
            }
            List<String> keys = null;
            if (trust != null && !trust.isEmpty()) {
                try {
                    keys = TrustedKeys.parseAll(trust).stream()
                            .map(Verifier::encoded)
                            .toList();
                } catch (IllegalArgumentException e) {
                    throw new AdminClient.Failure("--trust: " + e.getMessage(), 2);
                }
            }
            BundleJob started =
                    client.post(AdminPaths.of(AdminPaths.IMPORTS), new StartImport(from, keys), BundleJob.class);
            return follow(this, client, started, detach);
        }
    }

    @Command(
            name = "inventory",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Write what a running ferry holds to FILE, for an export that ships only the rest.",
                "Carry FILE to the exporting site: 'ferry export --inventory FILE' there ships only what is",
                "missing here (docs/bundles.md).",
                "FILE is on the server's filesystem (a relative path is made absolute against this directory)."
            })
    public static final class Inventory extends AdminCommand {
        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "Where to write it (on the server, under a --bundle-root); an existing file is replaced"
                        + " only if it is an inventory.")
        String outFile;

        public Inventory(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            InventoryWritten r = client.post(
                    AdminPaths.of(AdminPaths.INVENTORY),
                    new WriteInventory(serverPath(this, "--out", outFile)),
                    InventoryWritten.class);
            out().println("wrote " + r.out());
            for (Count c : r.summary()) {
                out().println("  " + c.what() + ": " + c.value());
            }
            out().flush();
            return 0;
        }
    }

    @Command(
            name = "bundles",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = "List the bundles this ferry exported: which site, built on which, how large; those marked"
                    + " 'base for --since' still have the record of what their site holds, so an export may be cut"
                    + " --since them (the newest five per site; docs/bundles.md).")
    public static final class History extends AdminCommand {
        public History(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            List<ExportHistory.Exported> list = client.get(AdminPaths.of(AdminPaths.BUNDLES), ExportHistory.class)
                    .bundles();
            if (list.isEmpty()) {
                out().println("no bundles exported yet");
            }
            for (ExportHistory.Exported b : list) {
                String site = b.site() == null ? "" : b.site();
                out().println(b.id() + "  site " + (site.isEmpty() ? "-" : site) + "  "
                        + (b.base() != null ? "since " + b.base() : b.inventory() ? "against an inventory" : "full")
                        + "  " + b.objects() + " objects, " + b.chunks() + " chunks, " + Units.bytes(b.bytes()) + "  "
                        + b.created() + "  " + b.directory() + (b.sinceAvailable() ? "  base for --since" : ""));
            }
            out().flush();
            return 0;
        }
    }

    // ---- status, cancel, list: the same classes under 'export' and 'import'; the parent's name is the job kind ----

    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._-]+");

    /** "export" or "import": the name of the command this one is a subcommand of. */
    private static String kindOf(AdminCommand c) {
        return c.spec.parent().name();
    }

    private static String jobPath(AdminCommand c, String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw c.usage("not a job id: " + id + " ('ferry " + kindOf(c) + " list' shows them)");
        }
        return AdminPaths.bundleJob(kindOf(c), id);
    }

    /** Prints the id of a job {@code started} with --detach, else follows it to its end. */
    private static int follow(AdminCommand c, AdminClient client, BundleJob started, boolean detach)
            throws AdminClient.Failure {
        if (detach) {
            c.out().println(started.id());
            c.out().flush();
            return 0;
        }
        String path = AdminPaths.bundleJob(c.spec.name(), started.id());
        return new JobWatcher<>(BundleFormat.INSTANCE, c.out(), c.ctx)
                .follow(started, () -> client.get(path, BundleJob.class));
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Show a job's progress, or its report when it ended.",
                "Exit 0 while it runs or when it succeeded, 1 when it failed, was cancelled or is unknown."
            })
    public static final class JobStatus extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "The job id (printed when the job started; see list).")
        String id;

        public JobStatus(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            BundleJob p = client.get(jobPath(this, id), BundleJob.class);
            if (p.running()) {
                out().println(BundleFormat.INSTANCE.heading(p));
                out().println(BundleFormat.INSTANCE.line(p));
                out().flush();
                return 0;
            }
            return BundleFormat.INSTANCE.summary(p, out());
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Cancel a running job. An import cancelled half-way and run again finishes the job.",
                "Exit 0 when it was cancelled, 1 when it is unknown or had already failed."
            })
    public static final class JobCancel extends AdminCommand {
        @Parameters(paramLabel = "ID", description = "The job id (printed when the job started; see list).")
        String id;

        public JobCancel(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            BundleJob p = client.delete(jobPath(this, id), null, BundleJob.class);
            String state = p.state();
            if (state.equals("RUNNING")) {
                // The job stops at its next check; the server answers before it has.
                out().println("cancelling " + kindOf(this) + " " + id + "; 'ferry " + kindOf(this) + " status " + id
                        + "' shows when it stopped");
                out().flush();
                return 0;
            }
            if (state.equals("CANCELLED")) {
                BundleFormat.INSTANCE.summary(p, out());
                return 0;
            }
            out().println(kindOf(this) + " " + id + " had already ended");
            return BundleFormat.INSTANCE.summary(p, out());
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = "List running and recent jobs, oldest first: id, state, progress or bundle, directory.")
    public static final class JobList extends AdminCommand {
        public JobList(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            String kind = kindOf(this);
            List<BundleJob> jobs =
                    client.get(AdminPaths.bundleJobs(kind), BundleJobs.class).jobs();
            if (jobs.isEmpty()) {
                out().println("no " + kind + " jobs");
            }
            for (BundleJob p : jobs) {
                StringBuilder sb = new StringBuilder(p.id()).append("  ").append(p.state());
                if (p.running()) {
                    sb.append("  ").append(BundleFormat.INSTANCE.line(p));
                } else if (p.bundleId() != null) {
                    sb.append("  bundle ").append(p.bundleId());
                }
                if (p.directory() != null) {
                    sb.append("  ").append(p.directory());
                }
                sb.append("  started ").append(p.started());
                out().println(sb);
            }
            out().flush();
            return 0;
        }
    }
}
