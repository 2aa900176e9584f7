package dev.ferry.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;

/**
 * The base of the commands that talk to a running ferry's admin API: resolves the server and token, runs
 * {@link #run(AdminClient)}, and turns an {@link AdminClient.Failure} into "ferry: MESSAGE" on standard error and its
 * exit status (1, or 2 for usage errors).
 */
abstract class AdminCommand implements Callable<Integer> {
    final CliContext ctx;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    AdminCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    abstract int run(AdminClient client) throws AdminClient.Failure;

    @Override
    public final Integer call() {
        try {
            validate();
            ClusterTargets cluster = cluster();
            if (cluster != null && cluster.cluster) {
                return fanOut(cluster);
            }
            if (cluster != null && !cluster.nodes.isEmpty()) {
                throw usage("--node goes with --cluster");
            }
            return run(AdminClient.of(admin, ctx.env()));
        } catch (AdminClient.Failure f) {
            err().println("ferry: " + f.getMessage());
            err().flush();
            return f.exit;
        }
    }

    /** The {@code --cluster} option of a command that takes it; null for the others. */
    ClusterTargets cluster() {
        return null;
    }

    /**
     * Runs the command on each node in turn, each to its end before the next starts: a job's first node fetches from
     * the upstream, the others find the files at their peers. A node that fails does not stop the rest; the summary
     * names each node's outcome, and the exit status is the worst of them.
     */
    private int fanOut(ClusterTargets cluster) throws AdminClient.Failure {
        if (admin.server != null) {
            throw usage("--cluster runs on every --node (or env FERRY_PEERS); drop --server");
        }
        List<String> urls = ClusterTargets.urls(cluster.nodes, ctx.env());
        if (urls.isEmpty()) {
            throw usage("--cluster needs the nodes: --node URL,... (or env FERRY_PEERS)");
        }
        List<URI> nodes = new ArrayList<>();
        for (String url : urls) {
            nodes.add(AdminClient.server("--node", url));
        }
        String token = AdminClient.token(admin, ctx.env());
        SSLContext tls = AdminClient.tls(admin, ctx.env());
        List<String> summary = new ArrayList<>();
        int worst = 0;
        int ok = 0;
        for (URI node : nodes) {
            out().println("node " + node + ":");
            out().flush();
            int exit;
            String outcome;
            try {
                exit = run(AdminClient.clusterNode(node, token, tls));
                outcome = exit == 0 ? "ok" : "failed (exit " + exit + ")";
            } catch (AdminClient.Failure f) {
                exit = f.exit;
                outcome = "failed: " + f.getMessage();
                err().println("ferry: " + node + ": " + f.getMessage());
                err().flush();
            }
            worst = Math.max(worst, exit);
            ok += exit == 0 ? 1 : 0;
            summary.add("node " + node + "  " + outcome);
        }
        out().println("cluster: " + ok + " of " + nodes.size() + " nodes ok");
        summary.forEach(out()::println);
        out().flush();
        return worst;
    }

    /** Checks option combinations; throws a ParameterException (exit 2, with usage) when they are wrong. */
    void validate() {}

    /** A job left running on one node would let the next start before it, and fetch from the upstream again. */
    void notDetachedAcrossTheCluster(boolean detach) {
        ClusterTargets cluster = cluster();
        if (detach && cluster != null && cluster.cluster) {
            throw usage("--detach and --cluster: the nodes run one after another, each waiting for the last");
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    static String read(Path file) throws AdminClient.Failure {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AdminClient.Failure("cannot read " + file + ": " + e, 2);
        }
    }
}
