package dev.ferry.upstreams.cluster;

/** What became of each question to a peer, for metrics ({@code ferry_peer_requests_total}). Must not block. */
public interface PeerEvents {
    /** The peer held it, and what it sent passed the checks and was kept. */
    String FOUND = "found";
    /** The peer does not hold it (404). */
    String NOT_FOUND = "not_found";
    /** The peer sent something that failed the checks (a wrong hash or digest, a malformed file): not stored. */
    String REJECTED = "rejected";
    /** No usable answer: connection, timeout, a broken body, a refusal (403: the tokens differ) or a 5xx. */
    String FAILED = "failed";
    /** The peer turned out to be this node (its answer carried this node's id); not asked again. */
    String SELF = "self";

    PeerEvents NONE = (peer, outcome) -> {};

    void asked(String peer, String outcome);
}
