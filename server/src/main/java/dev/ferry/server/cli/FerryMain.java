package dev.ferry.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ferry}: the command-line entry point. */
@Command(name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryMain.Version.class,
        description = "Self-hosted Go module proxy and OCI registry mirror.",
        subcommands = {ServeCommand.class, VerifyCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'ferry serve --help' for the server's settings, 'ferry verify --help' for the store check;",
                "see docs/configuration.md."})
public final class FerryMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = run(args, System.getenv(), ServeCommand.Launcher.PRODUCTION,
                new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs the CLI with an explicit environment and launcher (tests pass their own); returns the exit code. */
    public static int run(String[] args, Map<String, String> env, ServeCommand.Launcher launcher,
                          PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new FerryMain(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == ServeCommand.class) {
                    return cls.cast(new ServeCommand(env, launcher));
                }
                if (cls == VerifyCommand.class) {
                    return cls.cast(new VerifyCommand(env));
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

    /** The version from the build. */
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
            return new String[] {"ferry " + p.getProperty("version", "unknown"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
