package dev.ferry.upstreams.pool;

import java.util.Set;

/**
 * An attempt's outcome and the plan index of the upstream it ended on (later than the one asked when a broken
 * body was continued from another), with the plan indexes a continuation could not reach: the walk does not ask
 * those again.
 */
public record Attempted<T>(Outcome<T> outcome, int index, Set<Integer> unreachable) {
    public Attempted(Outcome<T> outcome, int index) {
        this(outcome, index, Set.of());
    }
}
