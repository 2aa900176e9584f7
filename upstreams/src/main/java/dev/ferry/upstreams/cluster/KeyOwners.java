package dev.ferry.upstreams.cluster;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Which node of the cluster owns a request's key: the node HAProxy sends that key's clients to while every node is
 * up ({@link HashRing} over {@code cluster.peers} in its order, which must be the order of HAProxy's {@code server}
 * lines; {@link RoutingKey} for the key). A node that misses content it does not own asks the owner to fetch it
 * (docs/cluster.md, Owner fetch), so the cluster's one download of a file happens on one node. Every node computes
 * the same owner from the same list, and only the owner fetches on another's behalf, so an owner fetch cannot loop.
 */
public final class KeyOwners {
    private final List<URI> nodes;
    private final int self;
    private final HashRing ring;

    /**
     * @param nodes every node's base URL, in HAProxy's order, this node included
     * @param self  this node's entry in {@code nodes}
     * @throws IllegalArgumentException when {@code self} is not in {@code nodes}
     */
    public KeyOwners(List<URI> nodes, URI self) {
        this.nodes = nodes.stream().map(KeyOwners::base).toList();
        this.self = this.nodes.indexOf(base(self));
        if (this.self < 0) {
            throw new IllegalArgumentException("this node " + self + " is not in the cluster's nodes " + nodes);
        }
        this.ring = new HashRing(nodes.size());
    }

    /** The owner of the content at {@code path} (a client's raw path, with its leading /). */
    public URI owner(String path) {
        return nodes.get(ring.owner(RoutingKey.of(path)));
    }

    /** Whether this node owns the content at {@code path}. */
    public boolean ownsSelf(String path) {
        return ring.owner(RoutingKey.of(path)) == self;
    }

    /**
     * The owner of the content at {@code path} while the nodes in {@code down} are down: the node HAProxy sends that
     * key's clients to then. Empty when every node is down.
     */
    public Optional<URI> owner(String path, Collection<URI> down) {
        List<URI> gone = down.stream().map(KeyOwners::base).toList();
        int owner = ring.owner(RoutingKey.of(path), n -> !gone.contains(nodes.get(n)));
        return owner < 0 ? Optional.empty() : Optional.of(nodes.get(owner));
    }

    /** Whether {@code node} (a base URL, with or without a trailing /) is one of the cluster's nodes. */
    public boolean member(URI node) {
        return nodes.contains(base(node));
    }

    public URI self() {
        return nodes.get(self);
    }

    private static URI base(URI u) {
        return URI.create(u.toString().replaceAll("/+$", ""));
    }
}
