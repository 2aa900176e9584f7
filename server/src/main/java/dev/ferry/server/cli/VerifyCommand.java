package dev.ferry.server.cli;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.go.CachingGoModuleMirror;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoMirrorSettings;
import dev.ferry.mirror.go.GoStoreCheck;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.CachingRegistryMirror;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciMirrorSettings;
import dev.ferry.mirror.oci.OciStoreCheck;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.sumdb.SumdbEvents;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.server.Checksums;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.RegistryConfig;
import dev.ferry.server.config.Setting;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.ScrubReport;
import dev.ferry.storage.StoreOptions;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.goproxy.HttpGoProxyClient;
import dev.ferry.upstreams.oci.HttpRegistryClient;
import dev.ferry.upstreams.pool.UpstreamEvents;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry verify}: the scrub. Reads a stopped ferry's data directory (RocksDB admits one process, so a running
 * server's directory is refused), checks every stored module file, every stored OCI manifest and blob and the
 * store's own consistency, and with {@code --repair} fetches corrupt content again through the normal ingest path
 * (pins and checksum database apply to modules; manifests and blobs come from a mirrored registry that had them).
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        versionProvider = FerryMain.Version.class,
        sortOptions = false,
        usageHelpWidth = 110,
        modelTransformer = VerifyCommand.SettingFlags.class,
        description = {
            "Check a STOPPED ferry's store: re-read every module file, recompute its SHA-256 and h1 hashes,"
                    + " compare them with what was recorded at ingest and with the stored checksum database lookups;"
                    + " re-read every stored OCI manifest and blob and hash it against its digest; and check the store's"
                    + " chunk-level consistency. Prints each problem and a summary with counts per kind.",
            "",
            "Stop ferry first: the store admits one process at a time, and a scrub reads every byte."
        },
        footer = {
            "",
            "Exit codes: 0 intact (or all repaired), 1 something corrupt and not repaired (or the store"
                    + " cannot be opened), 2 bad command line or configuration."
        })
public final class VerifyCommand implements Callable<Integer> {
    /** Manifests are small (4 MiB at most): repaired ones are spooled in memory up to this. */
    private static final long MANIFEST_SPOOL_MEMORY = 4L * 1024 * 1024;

    private final Map<String, String> env;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "The YAML config file ferry serve uses (env FERRY_CONFIG).")
    Path config;

    @Option(
            names = "--repair",
            description = "Fetch corrupt content again from the upstreams (when reachable): module"
                    + " files must hash as recorded at ingest and as the checksum database says; manifests and blobs are"
                    + " fetched from a --registry that mirrored them and must hash to their digest (pushed content cannot"
                    + " be fetched again: push it again).")
    boolean repair;

    /** The settings verify shares with serve, with its own help for them. */
    public static final class SettingFlags implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            return SettingOptions.add(
                    spec,
                    List.of(
                            SettingOptions.option(Setting.DATA, "The data directory to check."),
                            SettingOptions.option(Setting.GO_UPSTREAM, "Upstreams for --repair, as for ferry serve."),
                            SettingOptions.option(Setting.GO_SUMDB, "Checksum database, as for ferry serve."),
                            SettingOptions.option(Setting.GO_PRIVATE, "Private module globs, as for ferry serve."),
                            SettingOptions.option(
                                    Setting.OCI_REGISTRIES,
                                    "Registries for --repair of manifests and blobs,"
                                            + " as for ferry serve (repeatable).")));
        }
    }

    public VerifyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FerryConfig cfg;
        try {
            cfg = ConfigLoader.load(SettingOptions.given(spec), env, config);
        } catch (ConfigException e) {
            err.println("ferry verify: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        if (!Files.isDirectory(cfg.storeDir())) {
            err.println("ferry verify: no store in " + cfg.data() + " (expected " + cfg.storeDir() + ")");
            err.flush();
            return 1;
        }
        RocksContentStore store;
        try {
            store = RocksContentStore.open(cfg.storeDir(), StoreOptions.defaults());
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            err.println(
                    why.contains("in use")
                            ? "ferry verify: " + cfg.data()
                                    + " is in use by a running ferry: stop ferry first (ferry verify"
                                    + " checks a stopped server's data directory)"
                            : "ferry verify: cannot open the store: " + why.replace('\n', ' '));
            err.flush();
            return 1;
        }
        try (store) {
            return verify(cfg, store, out);
        } catch (IOException e) {
            err.println("ferry verify: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private int verify(FerryConfig cfg, RocksContentStore store, PrintWriter out) throws IOException {
        ScrubReport scrub = store.scrub();
        String db = cfg.sumdb() instanceof SumdbConfig.Database d ? d.name() : null;
        GoStoreCheck check = new GoStoreCheck(store, db);
        GoStoreCheck.Report report = check.run();
        CachingGoModuleMirror mirror = null;
        if (repair && !report.problems().isEmpty()) {
            // Refetched bytes would otherwise dedup onto the very chunks that are damaged.
            store.repairDamagedChunksOnWrite(true);
            HttpGoProxyClient upstream =
                    new HttpGoProxyClient(cfg.goUpstream(), cfg.upstreamTimeouts(), UpstreamEvents.NONE);
            Checksums sums = Checksums.create(
                    cfg.sumdb(),
                    cfg.privates(),
                    cfg.goListTtl(),
                    store,
                    cfg.goUpstream().isOff() ? null : upstream,
                    url -> new HttpGoProxyClient(
                            GoProxyList.parse(url.toString()), cfg.upstreamTimeouts(), UpstreamEvents.NONE),
                    SumdbEvents.NONE,
                    Clock.systemUTC(),
                    null,
                    null);
            GoMirrorSettings settings =
                    new GoMirrorSettings(cfg.goListTtl(), cfg.goNotFoundTtl()).withSpoolDir(cfg.spoolDir());
            mirror = new CachingGoModuleMirror(store, upstream, settings, Clock.systemUTC(), sums.modules());
        }
        int repaired = 0;
        for (GoStoreCheck.Problem p : report.problems()) {
            out.println("CORRUPT " + p.file() + ": " + p.what());
            if (mirror != null) {
                Optional<String> still = repair(store, mirror, check, p);
                if (still.isEmpty()) {
                    repaired++;
                    out.println("REPAIRED " + p.file() + ": fetched again and verified");
                } else {
                    out.println("NOT REPAIRED " + p.file() + ": " + still.get());
                }
            }
        }
        OciStoreCheck oci = new OciStoreCheck(store);
        OciStoreCheck.Report ociReport = oci.run();
        Map<OciStoreCheck.Kind, int[]> ociRepaired = new EnumMap<>(OciStoreCheck.Kind.class);
        for (OciStoreCheck.Kind k : OciStoreCheck.Kind.values()) {
            ociRepaired.put(k, new int[1]);
        }
        if (!ociReport.problems().isEmpty()) {
            OciRepair ociRepair = repair ? new OciRepair(cfg, store, oci, ociReport.problems()) : null;
            try {
                for (OciStoreCheck.Problem p : ociReport.problems()) {
                    String what = "OCI " + p.kind() + " " + p.digest();
                    out.println("CORRUPT " + what + ": " + p.what());
                    if (ociRepair != null) {
                        Optional<String> still = ociRepair.repair(p);
                        if (still.isEmpty()) {
                            ociRepaired.get(p.kind())[0]++;
                            out.println("REPAIRED " + what + ": fetched again and verified");
                        } else {
                            out.println("NOT REPAIRED " + what + ": " + still.get());
                        }
                    }
                }
            } finally {
                if (ociRepair != null) {
                    ociRepair.close();
                }
            }
        }
        int manifestsCorrupt = count(ociReport, OciStoreCheck.Kind.MANIFEST);
        int blobsCorrupt = count(ociReport, OciStoreCheck.Kind.BLOB);
        int left = report.problems().size()
                - repaired
                + ociReport.problems().size()
                - ociRepaired.get(OciStoreCheck.Kind.MANIFEST)[0]
                - ociRepaired.get(OciStoreCheck.Kind.BLOB)[0];
        out.println("ferry verify: checked " + report.files() + " module files ("
                + report.problems().size()
                + " corrupt, " + repaired + " repaired), " + ociReport.manifests() + " OCI manifests ("
                + manifestsCorrupt
                + " corrupt, " + ociRepaired.get(OciStoreCheck.Kind.MANIFEST)[0] + " repaired), " + ociReport.blobs()
                + " OCI blobs (" + blobsCorrupt + " corrupt, " + ociRepaired.get(OciStoreCheck.Kind.BLOB)[0]
                + " repaired); store: " + scrub.objects() + " objects, " + scrub.chunks() + " chunks, "
                + (scrub.isClean() ? "consistent" : "INCONSISTENT " + scrub));
        out.flush();
        return left == 0 && scrub.isClean() ? 0 : 1;
    }

    private static int count(OciStoreCheck.Report report, OciStoreCheck.Kind kind) {
        return (int) report.problems().stream().filter(p -> p.kind() == kind).count();
    }

    /**
     * Fetches damaged manifests and blobs again through a caching mirror of the registry whose repository linked
     * them, as a client pull would; the mirror checks the bytes against the digest before it stores them.
     */
    private static final class OciRepair implements AutoCloseable {
        private final RocksContentStore store;
        private final OciStoreCheck check;
        private final Map<Digest, OciStoreCheck.Source> sources;
        private final Map<String, CachingRegistryMirror> mirrors = new LinkedHashMap<>();
        private final List<HttpRegistryClient> clients = new ArrayList<>();

        OciRepair(FerryConfig cfg, RocksContentStore store, OciStoreCheck check, List<OciStoreCheck.Problem> problems) {
            this.store = store;
            this.check = check;
            Set<Digest> digests = new LinkedHashSet<>();
            problems.forEach(p -> digests.add(p.digest()));
            this.sources = check.sources(digests);
            // Refetched bytes would otherwise dedup onto the very chunks that are damaged.
            store.repairDamagedChunksOnWrite(true);
            OciMirrorSettings settings =
                    new OciMirrorSettings(cfg.oci().tagTtl(), cfg.spoolDir(), MANIFEST_SPOOL_MEMORY);
            for (RegistryConfig r : cfg.oci().registries()) {
                if (r.offline()) {
                    continue;
                }
                HttpRegistryClient client = new HttpRegistryClient(
                        r.name(), r.endpoints(), cfg.upstreamPool(), UpstreamEvents.NONE, Clock.systemUTC());
                clients.add(client);
                mirrors.put(r.name(), new CachingRegistryMirror(store, client, settings, Clock.systemUTC()));
            }
        }

        /** Empty when the content is intact now, else why not. */
        Optional<String> repair(OciStoreCheck.Problem p) {
            OciStoreCheck.Source source = sources.get(p.digest());
            if (source == null) {
                List<RepositoryName> hosted = check.hostedLinks(p.digest());
                return Optional.of(
                        hosted.isEmpty()
                                ? "no mirrored repository holds it, so no upstream to fetch it from"
                                : "it was pushed to " + hosted + ", not mirrored: push it again");
            }
            CachingRegistryMirror mirror = mirrors.get(source.registry());
            if (mirror == null) {
                return Optional.of("it came from registry " + source.registry() + " (" + source.repository()
                        + "): give --registry " + source.registry() + "=URL to fetch it again");
            }
            try {
                // Corrupt content must not be served while (or if) it cannot be fetched again.
                store.update(b -> b.deleteName(OciStoreNames.blob(p.digest())));
                OciAnswer answer = p.kind() == OciStoreCheck.Kind.MANIFEST
                        ? mirror.manifest(source.repository(), new Reference.ByDigest(p.digest()), false)
                        : mirror.blob(source.repository(), p.digest(), false, null);
                switch (answer) {
                    case OciAnswer.Content c when c.body() != null -> c.body().writeTo(OutputStream.nullOutputStream());
                    default -> {
                        return Optional.of(source.registry() + "/" + source.repository() + ": " + answer);
                    }
                }
                if (p.kind() == OciStoreCheck.Kind.BLOB) {
                    // A cold blob's last byte goes out before its commit (docs/storage.md): wait for the commit.
                    OciAnswer stored = mirror.blobStored(source.repository(), p.digest());
                    if (!(stored instanceof OciAnswer.Content)) {
                        return Optional.of(source.registry() + "/" + source.repository() + ": " + stored);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Optional.of(String.valueOf(e.getMessage()));
            }
            return check.check(p.digest()).map(why -> "still " + why);
        }

        @Override
        public void close() {
            clients.forEach(HttpRegistryClient::close);
        }
    }

    /** Drops the corrupt name and asks the mirror for the file, as a client would; empty when it is intact now. */
    private static Optional<String> repair(
            RocksContentStore store, CachingGoModuleMirror mirror, GoStoreCheck check, GoStoreCheck.Problem p) {
        try {
            // Corrupt content must not be served while (or if) it cannot be fetched again.
            store.update(b -> b.deleteName(GoStoreNames.file(p.module(), p.version(), p.ext())));
            GoAnswer answer = mirror.answer(ProxyRequest.parse(p.proxyPath()));
            switch (answer) {
                case GoAnswer.Content c -> {
                    Body body = c.body();
                    body.writeTo(OutputStream.nullOutputStream());
                }
                case GoAnswer.NotFound n -> {
                    return Optional.of("upstream: " + n.reason());
                }
                case GoAnswer.Unavailable u -> {
                    return Optional.of(u.reason());
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
        return check.check(p.module(), p.version(), p.ext()).map(why -> "still " + why);
    }
}
