package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.StorageReport;
import dev.ferry.server.admin.api.UpstreamHealth;
import dev.ferry.server.cluster.HaproxyConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry cluster status|haproxy-config}: several ferries behind HAProxy (docs/cluster.md). */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "A ferry cluster: nodes behind HAProxy's consistent hashing, asking each other (--peers) before their",
            "upstreams. 'status' shows each node's health, store and upstream breakers; 'haproxy-config' prints the",
            "front's configuration for a list of nodes. docs/cluster.md."
        },
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Haproxy.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: status, haproxy-config");
    }

    static List<String> split(List<String> nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes) {
            for (String part : n.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    @Command(
            name = "haproxy-config",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Print HAProxy 2.6's configuration for a cluster of these nodes: consistent hashing on the module",
                "path, checksum lookup, blob digest or repository; health checks on /health/ready; a request whose",
                "node died before answering retried on the next. Check it with 'haproxy -c -f FILE'."
            })
    public static final class Haproxy implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--node",
                paramLabel = "URL",
                required = true,
                split = ",",
                description = "A node, http://HOST:PORT (repeat it, or a comma-separated list: the nodes' --peers).")
        List<String> nodes;

        @Option(
                names = "--bind",
                paramLabel = "[ADDRESS]:PORT",
                defaultValue = ":8080",
                description = "Where HAProxy listens. Default: ${DEFAULT-VALUE}.")
        String bind;

        @Option(
                names = "--hosted",
                paramLabel = "REPOSITORY",
                split = ",",
                description = "A hosted repository or prefix (team): all its requests, blobs and tokens included,"
                        + " go to one node, where its pushes are.")
        List<String> hosted = new ArrayList<>();

        @Override
        public Integer call() {
            try {
                spec.commandLine()
                        .getOut()
                        .print(HaproxyConfig.render(bind, HaproxyConfig.nodes(split(nodes)), split(hosted)));
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Each node's health (/health/ready), store (objects, size, quota) and upstreams' breakers, peers",
                "included, from its admin API (every node takes the same admin token). Exits 0 when every node is",
                "ready, 1 otherwise."
            })
    public static final class Status implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        AdminOptions admin = new AdminOptions();

        @Option(
                names = "--node",
                paramLabel = "URL",
                split = ",",
                description = "A node, http(s)://HOST:PORT (repeat it, or a comma-separated list: the nodes'"
                        + " --peers). Default: env FERRY_PEERS.")
        List<String> nodes = new ArrayList<>();

        @Option(names = "--json", description = "One JSON object per node: url, ready, storage, upstreams.")
        boolean json;

        public Status(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String> urls = ClusterTargets.urls(nodes, ctx.env());
            if (urls.isEmpty()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "give the nodes: --node URL,... (or env FERRY_PEERS)");
            }
            String token;
            SSLContext tls;
            try {
                token = AdminClient.token(admin, ctx.env());
                tls = AdminClient.tls(admin, ctx.env());
            } catch (AdminClient.Failure f) {
                err.println("ferry: " + f.getMessage());
                err.flush();
                return f.exit;
            }
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
            if (tls != null) {
                b.sslContext(tls);
            }
            boolean allReady = true;
            ArrayNode all = JsonNodeFactory.instance.arrayNode();
            try (HttpClient http = b.build()) {
                for (String url : urls) {
                    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
                    URI uri;
                    try {
                        uri = URI.create(base);
                        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                            throw new IllegalArgumentException("want http://HOST:PORT");
                        }
                    } catch (IllegalArgumentException e) {
                        throw new CommandLine.ParameterException(
                                spec.commandLine(), "invalid --node " + url + ": " + e.getMessage());
                    }
                    String health = health(http, base);
                    boolean ready = health.equals("ready");
                    allReady &= ready;
                    ObjectNode node =
                            all.addObject().put("url", base).put("ready", ready).put("health", health);
                    StringBuilder line = new StringBuilder(base).append("  ").append(health);
                    if (!health.startsWith("unreachable")) {
                        AdminClient client = new AdminClient(uri, token, tls);
                        try {
                            StorageReport s = client.get(AdminPaths.of(AdminPaths.STORAGE), StorageReport.class);
                            node.set("storage", AdminJson.tree(s));
                            line.append("  store ")
                                    .append(s.objects())
                                    .append(" objects, ")
                                    .append(Units.bytes(s.sizeBytes()));
                            if (s.quotaBytes() != null && s.quotaBytes() > 0) {
                                line.append(" of ").append(Units.bytes(s.quotaBytes()));
                            }
                            UpstreamHealth u = client.get(AdminPaths.of(AdminPaths.UPSTREAMS), UpstreamHealth.class);
                            node.set("upstreams", AdminJson.tree(u));
                            u.pools().forEach((pool, p) -> {
                                line.append("\n  ").append(pool).append(':');
                                for (UpstreamHealth.Upstream up : p.upstreams()) {
                                    line.append("\n    ").append(UpstreamsCommand.describe(up));
                                }
                            });
                        } catch (AdminClient.Failure f) {
                            node.put("error", f.getMessage());
                            line.append("  admin API: ").append(f.getMessage());
                        }
                    }
                    if (!json) {
                        out.println(line);
                    }
                }
            }
            if (json) {
                out.println(AdminJson.pretty(all));
            }
            out.flush();
            return allReady ? 0 : 1;
        }

        private static String health(HttpClient http, String base) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? "ready" : "not ready (" + r.statusCode() + ")";
            } catch (java.net.ConnectException e) {
                return "unreachable (connection refused)";
            } catch (java.net.http.HttpTimeoutException e) {
                return "unreachable (no answer within 5 s)";
            } catch (IOException e) {
                return "unreachable (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unreachable (interrupted)";
            }
        }
    }
}
