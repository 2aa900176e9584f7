package dev.ferry.server.registryauth;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who has which role: a file in Apache's htgroup format, one line per role, {@code ROLE: name name ...}
 * ({@code pull: alice ci-bot}), names being users of an htpasswd file or token names. Read once at start-up; a
 * line that is not a known role is refused with its line number.
 */
public final class RoleFile {
    private RoleFile() {}

    /** Each name's roles as the file gives them (without what they imply). */
    public static Map<String, Set<Role>> load(Path file) throws IOException {
        Map<String, Set<Role>> out = new HashMap<>();
        for (EntryLine entry : EntryLine.read(file, "roles")) {
            String line = entry.text();
            String where = entry.where();
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(where + ": expected ROLE: name name ...");
            }
            Role role;
            try {
                role = Role.parse(line.substring(0, colon).strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            for (String name : line.substring(colon + 1).strip().split("\\s+")) {
                if (!name.isEmpty()) {
                    out.computeIfAbsent(name, n -> EnumSet.noneOf(Role.class)).add(role);
                }
            }
        }
        Map<String, Set<Role>> frozen = new HashMap<>();
        out.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
        return Map.copyOf(frozen);
    }
}
