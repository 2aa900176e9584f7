package dev.ferry.upstreams.pool;

import java.util.Set;

/**
 * An attempt's outcome and the plan index of the upstream it ended on (later than the one asked when a broken
 * body was continued from another), with the plan indexes a continuation could not reach: the walk does not ask
 * those again. {@code continued} is how the last continuation's part arrived (null when there was none): the
 * upstream that finished the body is measured on it.
 */
public record Attempted<T>(Outcome<T> outcome, int index, Set<Integer> unreachable, Transfer continued) {
    public Attempted(Outcome<T> outcome, int index) {
        this(outcome, index, Set.of(), null);
    }

    public Attempted(Outcome<T> outcome, int index, Set<Integer> unreachable) {
        this(outcome, index, unreachable, null);
    }
}
