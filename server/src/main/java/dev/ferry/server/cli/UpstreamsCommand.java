package dev.ferry.server.cli;

import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.UpstreamHealth;
import dev.ferry.server.admin.api.UpstreamReleased;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry upstreams list|release}: /admin/api/upstreams. */
@Command(
        name = "upstreams",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Show the health of a running ferry's upstreams, and release one from quarantine.",
            "An upstream that served content failing its checksum or digest is quarantined (docs/upstreams.md);",
            "'release' ends that early, once you have checked the mirror."
        },
        subcommands = {UpstreamsCommand.ListUpstreams.class, UpstreamsCommand.Release.class})
public final class UpstreamsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a subcommand: list, release");
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Each pool's upstreams: circuit state, quarantine, speed, failures by kind.")
    public static final class ListUpstreams extends AdminCommand {
        @Option(names = "--json", description = "Print the API's JSON as is.")
        boolean json;

        public ListUpstreams(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            String path = AdminPaths.of(AdminPaths.UPSTREAMS);
            if (json) {
                out().println(AdminJson.pretty(client.get(path)));
                out().flush();
                return 0;
            }
            client.get(path, UpstreamHealth.class).pools().forEach((name, pool) -> {
                out().println(name + " (" + pool.strategy() + ")");
                for (UpstreamHealth.Upstream u : pool.upstreams()) {
                    out().println("  " + describe(u));
                }
            });
            out().flush();
            return 0;
        }
    }

    static String describe(UpstreamHealth.Upstream u) {
        StringBuilder s = new StringBuilder(u.name()).append("  ").append(u.breaker());
        if (u.openUntil() != null) {
            s.append(" until ").append(u.openUntil());
        }
        UpstreamHealth.Quarantine q = u.quarantine();
        if (q != null) {
            s.append("  QUARANTINED after serving ")
                    .append(q.subject() != null ? q.subject() : "content")
                    .append(" that failed its check");
        }
        s.append("  ").append(u.successes()).append('/').append(u.attempts()).append(" ok");
        UpstreamHealth.Speed speed = u.speed();
        if (speed != null && speed.smallBodyMillis() != null) {
            s.append(String.format(Locale.ROOT, "  small %.0f ms", speed.smallBodyMillis()));
        }
        if (speed != null && speed.bytesPerSecond() != null) {
            s.append("  ")
                    .append(Units.bytes(speed.bytesPerSecond().longValue()))
                    .append("/s");
        }
        Map<String, Long> failures = u.failures();
        if (failures != null && !failures.isEmpty()) {
            StringBuilder f = new StringBuilder();
            failures.forEach((kind, n) ->
                    f.append(f.isEmpty() ? "" : ", ").append(kind).append(' ').append(n));
            s.append("  failures: ").append(f);
        }
        return s.toString();
    }

    @Command(
            name = "release",
            mixinStandardHelpOptions = true,
            description = "End an upstream's quarantine (or open circuit) now, in every pool that has it.")
    public static final class Release extends AdminCommand {
        @Parameters(
                paramLabel = "NAME",
                description = "The upstream's name as 'ferry upstreams list' shows it (a GOPROXY upstream's URL).")
        String name;

        public Release(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            UpstreamReleased r = client.post(AdminPaths.upstreamRelease(name), Map.of(), UpstreamReleased.class);
            out().println("released " + name + ": " + r.released());
            out().flush();
            return 0;
        }
    }
}
