package dev.ferry.server.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --cluster} and {@code --node} of the admin commands that start a job or change pins (a picocli mixin): the
 * command is run against every node of the cluster in turn instead of one {@code --server}.
 */
public final class ClusterTargets {
    @Option(
            names = "--cluster",
            description = "Do it on every node of the cluster (--node, else env FERRY_PEERS; one admin token for all),"
                    + " one node after another: the first fetches from the upstream, the others from their peers."
                    + " One summary line per node; exit 0 only when every node succeeded (docs/cluster.md).")
    boolean cluster;

    @Option(
            names = "--node",
            paramLabel = "URL",
            split = ",",
            description = "With --cluster: a node, http(s)://HOST:PORT (repeat it, or a comma-separated list: the"
                    + " nodes' --peers). Default: env FERRY_PEERS.")
    List<String> nodes = new ArrayList<>();

    /** The nodes as {@code ferry cluster status} reads them: {@code --node}, else env FERRY_PEERS. */
    static List<String> urls(List<String> nodes, Map<String, String> env) {
        List<String> urls = ClusterCommand.split(nodes);
        if (urls.isEmpty() && env.get("FERRY_PEERS") != null) {
            urls = ClusterCommand.split(List.of(env.get("FERRY_PEERS")));
        }
        return urls;
    }

    /** These and a parent command's ({@code ferry prewarm --cluster go --node ...} means the same as with both after go). */
    ClusterTargets and(ClusterTargets parent) {
        ClusterTargets both = new ClusterTargets();
        both.cluster = cluster || parent.cluster;
        both.nodes = new ArrayList<>(parent.nodes);
        both.nodes.addAll(nodes);
        return both;
    }
}
