package dev.ferry.sync.bundle;

import dev.ferry.sync.MirrorSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an export takes from the store: everything, a mirror set, or module and image patterns (the last two may be
 * combined). Resolved against the store only, never upstream: an export ships what this ferry holds.
 *
 * @param modules module path patterns, GOPRIVATE glob syntax ({@code golang.org/x/*}, {@code github.com/acme}),
 *                each optionally {@code @version} for one version; a pattern without a glob also matches the
 *                modules below it, as GOPRIVATE does
 * @param images  {@code [registry/]repository[:tag|@digest]} with globs in the repository part; without a tag,
 *                every stored tag
 */
public record Selection(boolean everything, Optional<MirrorSet> set, List<String> modules, List<String> images) {
    public Selection {
        Objects.requireNonNull(set, "set");
        modules = List.copyOf(modules);
        images = List.copyOf(images);
        if (everything && (set.isPresent() || !modules.isEmpty() || !images.isEmpty())) {
            throw new IllegalArgumentException("everything excludes a set or patterns");
        }
        if (!everything && set.isEmpty() && modules.isEmpty() && images.isEmpty()) {
            throw new IllegalArgumentException("nothing selected");
        }
    }

    public static Selection all() {
        return new Selection(true, Optional.empty(), List.of(), List.of());
    }
}
