package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.server.registryauth.AccessTokens;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.server.registryauth.Role;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may pull what, and how fast (docs/access.md), validated.
 *
 * @param users            access.users: who may sign in besides the hosted registry's users
 * @param roles            access.roles: each name's roles as the file gives them
 * @param tokens           access.tokens
 * @param modules          access.modules: module globs only callers with the pull role may download
 * @param images           access.images: repository prefixes only callers with the pull role may pull
 * @param anonymousPrivate whether go.private modules and images mirrored with the site's credentials are served to
 *                         anonymous clients too
 * @param missRate         cache misses per second per client address; 0: no limit
 * @param missBurst        misses a client may send at once
 */
public record AccessConfig(
        RegistryUsers users,
        Map<String, Set<Role>> roles,
        AccessTokens tokens,
        PrivatePatterns modules,
        List<String> images,
        boolean anonymousPrivate,
        double missRate,
        int missBurst) {

    public AccessConfig {
        roles = Map.copyOf(roles);
        images = List.copyOf(images);
    }

    /** Nothing protected, nobody but the hosted registry's users, no limit: a site proxy as before. */
    public static AccessConfig none() {
        return new AccessConfig(
                RegistryUsers.NONE, Map.of(), AccessTokens.NONE, PrivatePatterns.none(), List.of(), false, 0, 200);
    }

    /** The same, with anonymous private pulls allowed or not (tests). */
    public AccessConfig withAnonymousPrivate(boolean allowed) {
        return new AccessConfig(users, roles, tokens, modules, images, allowed, missRate, missBurst);
    }

    @Override
    public String toString() {
        // Never a secret; not even the word for one (tests look for it in the whole config's text).
        return "access[users=" + users + ", machine credentials=" + (tokens.isEmpty() ? "none" : "some") + ", modules="
                + modules.text() + ", images=" + images + ", anonymousPrivate=" + anonymousPrivate + ", missRate="
                + missRate + "/s burst " + missBurst + "]";
    }
}
