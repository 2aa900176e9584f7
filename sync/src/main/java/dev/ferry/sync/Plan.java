package dev.ferry.sync;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What a prewarm job will fetch ({@code items}, in order, without repeats), what could not be planned
 * ({@code errors}, reported with the job's results) and informational {@code notes} (e.g. local replacements
 * that were skipped).
 */
public record Plan(List<PrewarmItem> items, List<PlanError> errors, List<String> notes) {
    public Plan {
        items = List.copyOf(new LinkedHashSet<>(items));
        errors = List.copyOf(errors);
        notes = List.copyOf(notes);
    }

    public Plan(List<PrewarmItem> items, List<PlanError> errors) {
        this(items, errors, List.of());
    }

    public static Plan empty() {
        return new Plan(List.of(), List.of(), List.of());
    }

    /** This plan's items, errors and notes followed by {@code other}'s. */
    public Plan plus(Plan other) {
        List<PrewarmItem> i = new ArrayList<>(items);
        i.addAll(other.items);
        List<PlanError> e = new ArrayList<>(errors);
        e.addAll(other.errors);
        List<String> n = new ArrayList<>(notes);
        n.addAll(other.notes);
        return new Plan(i, e, n);
    }
}
