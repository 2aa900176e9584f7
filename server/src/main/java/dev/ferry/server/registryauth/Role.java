package dev.ferry.server.registryauth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a user or token may do (docs/access.md). {@code push} includes {@code pull}, {@code admin} includes
 * {@code viewer}; nothing else is implied, so an admin who should also pull protected content is named for both.
 */
public enum Role {
    /** Pull protected modules and images, and hosted repositories. */
    PULL,
    /** Push to (and pull from) hosted repositories. */
    PUSH,
    /** Every admin API call. */
    ADMIN,
    /** The admin API's GETs only: a read-only console. */
    VIEWER;

    /** The role's name as files and docs spell it. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A role by its name; IllegalArgumentException for any other. */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.text().equals(text)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role \"" + text + "\" (known: pull, push, admin, viewer)");
    }

    /** {@code roles} with what they imply added. */
    static Set<Role> expand(Set<Role> roles) {
        Set<Role> out = roles.isEmpty() ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(roles);
        if (out.contains(PUSH)) {
            out.add(PULL);
        }
        if (out.contains(ADMIN)) {
            out.add(VIEWER);
        }
        return Set.copyOf(out);
    }
}
