package dev.ferry.server.cli;

import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PrewarmJob;
import dev.ferry.server.admin.api.RegisterMirrorSet;
import dev.ferry.server.admin.api.RegisteredSet;
import dev.ferry.server.admin.api.RegisteredSets;
import dev.ferry.server.admin.api.Removed;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry mirror-set add|list|remove|run}: /admin/api/mirror-sets. */
@Command(
        name = "mirror-set",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Register mirror sets with a running ferry, list and remove them.",
            "A registered set (docs/mirror-sets.md) runs now and then again every refresh interval, fetching",
            "new matching versions and tags; what it stores is pinned."
        },
        subcommands = {
            MirrorSetCommand.Add.class,
            MirrorSetCommand.ListSets.class,
            MirrorSetCommand.Remove.class,
            MirrorSetCommand.Run.class
        })
public final class MirrorSetCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "give a subcommand: add, list, remove, run");
    }

    static String describe(RegisteredSet s) {
        PrewarmJob last = s.lastRun();
        String run = last == null
                ? "not run yet"
                : "last run " + last.state().toLowerCase(Locale.ROOT) + " (" + last.done() + "/" + last.total()
                        + " items, " + last.failed() + " failed, "
                        + last.planErrors().size() + " plan errors)";
        return s.name() + (s.refresh() != null ? "  every " + s.refresh() : "  not scheduled") + "  " + run
                + (s.nextRun() != null ? "  next " + s.nextRun() : "");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register (or replace) a mirror set.")
    public static final class Add extends AdminCommand {
        @Parameters(paramLabel = "SET.yaml", description = "The mirror-set file.")
        Path file;

        @Option(
                names = "--name",
                paramLabel = "NAME",
                description = "The set's name (default: its name: key, else the file name).")
        String name;

        @Option(
                names = "--refresh",
                paramLabel = "DURATION",
                description = "How often it runs again, e.g. 6h (default: its refresh: key; one of them is needed).")
        String refresh;

        public Add(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            RegisteredSet s = client.post(
                    AdminPaths.of(AdminPaths.MIRROR_SETS),
                    new RegisterMirrorSet(read(file), file.getFileName().toString(), name, refresh),
                    RegisteredSet.class);
            out().println("registered " + s.name() + ", refreshed every " + s.refresh()
                    + "; the first run has started ('ferry mirror-set list' shows its report)");
            out().flush();
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the registered sets and their last runs.")
    public static final class ListSets extends AdminCommand {
        public ListSets(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            RegisteredSets sets = client.get(AdminPaths.of(AdminPaths.MIRROR_SETS), RegisteredSets.class);
            if (sets.mirrorSets().isEmpty()) {
                out().println("no mirror sets registered");
            }
            for (RegisteredSet s : sets.mirrorSets()) {
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
            client.delete(AdminPaths.mirrorSet(name), null, Removed.class);
            out().println("removed " + name);
            out().flush();
            return 0;
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Run a registered set now and follow the run.")
    public static final class Run extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "The set's name.")
        String name;

        @Mixin
        ClusterTargets cluster = new ClusterTargets();

        public Run(CliContext ctx) {
            super(ctx);
        }

        @Override
        ClusterTargets cluster() {
            return cluster;
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            PrewarmJob started = client.post(AdminPaths.mirrorSetRun(name), Map.of(), PrewarmJob.class);
            return new JobWatcher<>(PrewarmFormat.INSTANCE, out(), ctx)
                    .follow(
                            started,
                            () -> client.get(AdminPaths.mirrorSet(name), RegisteredSet.class)
                                    .lastRun());
        }
    }
}
