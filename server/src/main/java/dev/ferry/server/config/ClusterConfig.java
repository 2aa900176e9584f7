package dev.ferry.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The node's place in a cluster (docs/upstreams.md#peers): the other nodes it asks on a miss before the upstream,
 * and the token that both its questions and the questions it answers carry.
 *
 * @param peers       base URLs of the other nodes, in the configured order, this node's own entry left out
 * @param self        this node's own URL as the list names it, or null when not given
 * @param token       the cluster token, or null: then the node neither asks peers nor answers their requests
 * @param peerTimeout connection and response-header time allowed to a peer
 * @param nodes       every node as cluster.peers lists them, in its order, this node's own entry included: the ring
 *                    of owners (the order of HAProxy's server lines)
 */
public record ClusterConfig(List<URI> peers, URI self, String token, Duration peerTimeout, List<URI> nodes) {
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(2);

    public ClusterConfig {
        peers = List.copyOf(peers);
        nodes = List.copyOf(nodes);
        if (!peers.isEmpty() && token == null) {
            throw new IllegalArgumentException("peers need a cluster token");
        }
        if (peerTimeout.isNegative() || peerTimeout.isZero()) {
            throw new IllegalArgumentException("peerTimeout must be more than 0: " + peerTimeout);
        }
    }

    public static ClusterConfig none() {
        return new ClusterConfig(List.of(), null, null, DEFAULT_PEER_TIMEOUT, List.of());
    }

    /**
     * Whether this node knows its place on the ring: cluster.self names one of the listed nodes. Only then does it
     * ask owners to fetch, and fetch as an owner for others.
     */
    public boolean knowsOwners() {
        return self != null && token != null && nodes.size() > 1 && nodes.contains(self);
    }

    /** Whether this node answers peer requests (it has a token). */
    public boolean answersPeers() {
        return token != null;
    }

    @Override
    public String toString() {
        // Never the token.
        return "cluster[peers=" + peers + ", self=" + self + ", answersPeers=" + answersPeers() + "]";
    }
}
