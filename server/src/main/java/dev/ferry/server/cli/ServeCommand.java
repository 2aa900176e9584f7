package dev.ferry.server.cli;

import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.Setting;
import dev.ferry.server.logging.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry serve}: resolves the settings and runs the server until SIGTERM/SIGINT. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = FerryMain.Version.class,
        sortOptions = false,
        usageHelpWidth = 110,
        modelTransformer = ServeCommand.SettingFlags.class,
        description = {
            "Serve Go modules (GOPROXY, /sumdb/) and, with --registry or --hosted, an OCI registry at /v2/, from one cache.",
            "Also /health, /metrics and the admin API at /admin/api/.",
            "Every module version is verified against the checksum database (--sumdb), which is served at /sumdb/NAME/.",
            "With --registry or --hosted, also an OCI registry at /v2/: a pull-through mirror of upstream registries",
            "and hosted repositories to push to (docs/registry.md).",
            "",
            "Every setting can also come from an environment variable or a YAML config file;",
            "precedence: flag > environment > config file > default."
        },
        footer = {
            "",
            "Exit codes: 0 stopped cleanly, 1 failed to start, 2 bad command line or configuration.",
            "Once listening, ferry prints: ferry ready on http://HOST:PORT (https:// with --tls-cert)"
        })
public final class ServeCommand implements Callable<Integer> {

    /** What to do with a valid configuration: run ferry (production) or, in tests, look at it. */
    @FunctionalInterface
    public interface Launcher {
        int launch(FerryConfig config, PrintWriter out, PrintWriter err) throws Exception;

        /** With each setting's value and where it came from, for the web console's configuration page. */
        default int launch(
                FerryConfig config, Map<Setting, ConfigLoader.Sourced> settings, PrintWriter out, PrintWriter err)
                throws Exception {
            return launch(config, out, err);
        }

        Launcher PRODUCTION = new Launcher() {
            @Override
            public int launch(FerryConfig config, PrintWriter out, PrintWriter err) throws Exception {
                return runUntilStopped(config, Map.of(), out, err);
            }

            @Override
            public int launch(
                    FerryConfig config, Map<Setting, ConfigLoader.Sourced> settings, PrintWriter out, PrintWriter err)
                    throws Exception {
                return runUntilStopped(config, settings, out, err);
            }
        };
    }

    private final Map<String, String> env;
    private final Launcher launcher;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML config file (env FERRY_CONFIG). Unknown keys are an error.")
    Path config;

    public ServeCommand(Map<String, String> env, Launcher launcher) {
        this.env = env;
        this.launcher = launcher;
    }

    /** An option for every {@link Setting}, after --config. */
    public static final class SettingFlags implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            return SettingOptions.add(
                    spec,
                    Arrays.stream(Setting.values()).map(SettingOptions::option).toList());
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        FerryConfig cfg;
        Map<Setting, ConfigLoader.Sourced> settings;
        try {
            cfg = ConfigLoader.load(SettingOptions.given(spec), env, config);
            settings = ConfigLoader.resolve(SettingOptions.given(spec), env, config);
        } catch (ConfigException e) {
            err.println("ferry: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE; // 2
        }
        return launcher.launch(cfg, settings, spec.commandLine().getOut(), err);
    }

    /** Production: configure logging, start ferry, stop it on SIGTERM/SIGINT. */
    static int runUntilStopped(
            FerryConfig cfg, Map<Setting, ConfigLoader.Sourced> settings, PrintWriter out, PrintWriter err)
            throws InterruptedException {
        Logging.configure(cfg.logLevel(), cfg.accessLog(), cfg.logFormat());
        Ferry ferry;
        try {
            ferry = Ferry.start(cfg, settings);
        } catch (Exception e) {
            err.println("ferry: cannot start: "
                    + (e instanceof IOException && e.getMessage() != null
                            ? e.getMessage().replace('\n', ' ')
                            : oneLine(e)));
            err.flush();
            Logging.close();
            return 1;
        }
        // SIGTERM/SIGINT: stop the server (in-flight requests finish within the grace period), close the store,
        // and exit 0. Handling the signals ourselves (rather than only in a shutdown hook) is what gives the
        // clean exit status; the hook still covers every other way the JVM may go down.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            ferry.close();
                            Logging.close();
                        },
                        "ferry-shutdown"));
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(
                        new sun.misc.Signal(name),
                        signal -> Thread.ofPlatform().name("ferry-stop").start(() -> {
                            Logger.getLogger("ferry").info("received SIG" + signal.getName() + ", stopping");
                            ferry.close();
                        }));
            } catch (IllegalArgumentException e) {
                // this platform has no such signal (or it is taken): the shutdown hook covers it
            }
        }
        ferry.awaitStopped();
        Logging.close();
        return 0;
    }

    @SuppressWarnings("ReferenceEquality") // identity is the point: a cause that is the throwable itself
    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString().replace('\n', ' ');
    }
}
