package dev.ferry.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ferry}: the command-line entry point. */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryMain.Version.class,
        description = "Self-hosted Go module proxy and OCI registry mirror.",
        subcommands = {
            ServeCommand.class,
            VerifyCommand.class,
            PrewarmCommand.class,
            PinCommand.class,
            PinCommand.Unpin.class,
            MirrorSetCommand.class,
            StorageCommand.class,
            UpstreamsCommand.class,
            BundleCommands.Export.class,
            BundleCommands.Import.class,
            BundleCommands.Inventory.class,
            BundleCommands.History.class,
            KeysCommand.class,
            HealthCommand.class,
            ClusterCommand.class,
            CommandLine.HelpCommand.class
        },
        usageHelpWidth = 110,
        footer = {
            "",
            "Run 'ferry serve --help' for the server's settings, 'ferry verify --help' for the store check;",
            "see docs/configuration.md. prewarm, pin, unpin, mirror-set, storage, upstreams, export, import,",
            "inventory and bundles talk to a running ferry's admin API (--server URL; the token from --admin-token,",
            "FERRY_ADMIN_TOKEN or --data DIR; for https with a private CA --ca-cert FILE, with admin client",
            "certificates --client-cert FILE --client-key FILE: docs/tls.md): docs/prewarm.md, docs/bundles.md,",
            "docs/admin-api.md. Their jobs are shown and stopped with 'ferry prewarm|export|import status ID',",
            "'... cancel ID' and '... list'. In a cluster, prewarm, mirror-set run, pin, unpin and import take",
            "--cluster: every node of --node URL,... (or FERRY_PEERS) in turn, one summary line per node.",
            "'ferry keys' works on the data directory itself; 'ferry health' asks a ferry's /health/ready (a",
            "healthcheck without curl); 'ferry cluster' shows a cluster's nodes and writes its HAProxy front",
            "(docs/cluster.md). They exit 0 when all went well, 1 when something failed, 2 on a usage error."
        })
public final class FerryMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = run(
                args,
                new CliContext(System.getenv(), CliContext.consoleIsTerminal(), CliContext.POLL),
                ServeCommand.Launcher.PRODUCTION,
                new PrintWriter(System.out, true, UTF_8),
                new PrintWriter(System.err, true, UTF_8));
        System.exit(code);
    }

    /** Runs the CLI with an explicit environment and launcher (tests pass their own); returns the exit code. */
    public static int run(
            String[] args, Map<String, String> env, ServeCommand.Launcher launcher, PrintWriter out, PrintWriter err) {
        return run(args, new CliContext(env, false, CliContext.POLL), launcher, out, err);
    }

    /** As above, with the whole context of the admin commands (terminal or not, poll interval). */
    public static int run(
            String[] args, CliContext ctx, ServeCommand.Launcher launcher, PrintWriter out, PrintWriter err) {
        Map<String, String> env = ctx.env();
        CommandLine cli = new CommandLine(new FerryMain(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == ServeCommand.class) {
                    return cls.cast(new ServeCommand(env, launcher));
                }
                if (cls == VerifyCommand.class) {
                    return cls.cast(new VerifyCommand(env));
                }
                if (AdminCommand.class.isAssignableFrom(cls)
                        || cls == KeysCommand.Generate.class
                        || cls == KeysCommand.Public.class
                        || cls == KeysCommand.Sign.class
                        || cls == HealthCommand.class
                        || cls == ClusterCommand.Status.class) {
                    return cls.cast(cls.getConstructor(CliContext.class).newInstance(ctx));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        });
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("ferry: " + e);
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        // "ferry" alone: show what there is to do.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version and the commit it was built from (version.properties, filled in by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = FerryMain.class.getResourceAsStream("/dev/ferry/server/version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // fall through to "unknown"
            }
            return new String[] {
                "ferry " + p.getProperty("version", "unknown") + " (commit " + p.getProperty("commit", "unknown") + ")",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
