package dev.ferry.upstreams.pool;

/**
 * Whether a request that failed at an upstream (for any reason but not-found, which every client handles its own
 * way) may go on to the next upstream of the plan, under the failover strategy; a weighted pool always moves on,
 * because its order carries no meaning. A GOPROXY list says it with its separators ({@code |} moves on, {@code ,}
 * stops); a registry's endpoints are replicas and always move on.
 */
public enum AfterFailure {
    /** The failure is the answer: the upstreams after this one are not asked. */
    STOP,
    /** The next upstream is asked (and a body that broke part-way may be continued from it). */
    MOVE_ON
}
