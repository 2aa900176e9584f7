package dev.ferry.server.registryauth;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.module.ModulePath;
import java.util.List;

/**
 * What only callers with the pull role may read (docs/access.md); everything else stays anonymous, as a site
 * proxy's content usually is.
 *
 * @param modules module path globs in GOPRIVATE syntax ({@code access.modules}, and {@code go.private} unless
 *                anonymous private pulls are allowed)
 * @param images  repository prefixes: {@code REGISTRY[/PATH]} of a mirrored registry ({@code ghcr.io/acme}; a
 *                registry mirrored with the site's own credentials is here unless anonymous private pulls are
 *                allowed), a hosted prefix, or {@code *} for every repository
 */
public record ProtectedContent(PrivatePatterns modules, List<String> images) {
    public static final ProtectedContent NONE = new ProtectedContent(PrivatePatterns.none(), List.of());

    public ProtectedContent {
        images = List.copyOf(images);
    }

    public boolean module(ModulePath module) {
        return modules.matches(module);
    }

    /**
     * Whether the repository is protected: {@code registry/name} (the registry's own name for it) of a mirrored
     * one, the name of a hosted one.
     */
    public boolean image(String repository) {
        for (String prefix : images) {
            if (prefix.equals("*") || repository.equals(prefix) || repository.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    public boolean anyImage() {
        return !images.isEmpty();
    }

    public boolean isEmpty() {
        return modules.isEmpty() && images.isEmpty();
    }

    @Override
    public String toString() {
        return "protected[modules=" + modules.text() + ", images=" + images + "]";
    }
}
