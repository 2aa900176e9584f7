package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry upstreams list|release}: /admin/api/upstreams. */
@Command(name = "upstreams", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Show the health of a running ferry's upstreams, and release one from quarantine.",
                "An upstream that served content failing its checksum or digest is quarantined (docs/upstreams.md);",
                "'release' ends that early, once you have checked the mirror."},
        subcommands = {UpstreamsCommand.ListUpstreams.class, UpstreamsCommand.Release.class})
public final class UpstreamsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a subcommand: list, release");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Each pool's upstreams: circuit state, quarantine, speed, failures by kind.")
    public static final class ListUpstreams extends AdminCommand {
        @Option(names = "--json", description = "Print the API's JSON as is.")
        boolean json;

        public ListUpstreams(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode root = client.get("/admin/api/upstreams");
            if (json) {
                out().println(root.toPrettyString());
                out().flush();
                return 0;
            }
            root.path("pools").properties().forEach(pool -> {
                out().println(pool.getKey() + " (" + pool.getValue().path("strategy").asText() + ")");
                for (JsonNode u : pool.getValue().path("upstreams")) {
                    out().println("  " + describe(u));
                }
            });
            out().flush();
            return 0;
        }
    }

    static String describe(JsonNode u) {
        StringBuilder s = new StringBuilder(u.path("name").asText()).append("  ").append(u.path("breaker").asText());
        if (u.hasNonNull("openUntil")) {
            s.append(" until ").append(u.path("openUntil").asText());
        }
        JsonNode q = u.path("quarantine");
        if (q.isObject()) {
            s.append("  QUARANTINED after serving ").append(q.path("subject").asText("content"))
                    .append(" that failed its check");
        }
        s.append("  ").append(u.path("successes").asLong()).append('/').append(u.path("attempts").asLong()).append(" ok");
        JsonNode speed = u.path("speed");
        if (speed.path("smallBodyMillis").isNumber()) {
            s.append(String.format(Locale.ROOT, "  small %.0f ms", speed.path("smallBodyMillis").asDouble()));
        }
        if (speed.path("bytesPerSecond").isNumber()) {
            s.append("  ").append(JobWatcher.bytes(speed.path("bytesPerSecond").asLong())).append("/s");
        }
        JsonNode failures = u.path("failures");
        if (failures.isObject() && !failures.isEmpty()) {
            StringBuilder f = new StringBuilder();
            failures.properties().forEach(e -> f.append(f.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                    .append(e.getValue().asLong()));
            s.append("  failures: ").append(f);
        }
        return s.toString();
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "End an upstream's quarantine (or open circuit) now, in every pool that has it.")
    public static final class Release extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "The upstream's name as 'ferry upstreams list' shows it (a GOPROXY upstream's URL).")
        String name;

        public Release(CliContext ctx) {
            super(ctx);
        }

        @Override
        int run(AdminClient client) throws AdminClient.Failure {
            JsonNode r = client.post("/admin/api/upstreams/" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                    .replace("+", "%20") + "/release", JSON.createObjectNode());
            out().println("released " + name + ": " + r.path("released").asText());
            out().flush();
            return 0;
        }
    }
}
