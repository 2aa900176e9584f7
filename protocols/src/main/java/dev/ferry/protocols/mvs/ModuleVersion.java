package dev.ferry.protocols.mvs;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.Comparator;
import java.util.Objects;

/** A node of the module graph, {@code path@version} (module.Version). Ordered by path, then by semver. */
public record ModuleVersion(ModulePath path, Version version) implements Comparable<ModuleVersion> {
    private static final Comparator<ModuleVersion> ORDER = Comparator.comparing((ModuleVersion m) -> m.path.value())
            .thenComparing(ModuleVersion::version)
            .thenComparing(m -> m.version.toString());

    public ModuleVersion {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(version, "version");
    }

    /** Parses {@code path@version} with a canonical version whose major fits the path. */
    public static ModuleVersion parse(String text) {
        int at = text == null ? -1 : text.lastIndexOf('@');
        if (at < 0) {
            throw new dev.ferry.protocols.FormatException(
                    "want module@version, not " + dev.ferry.protocols.FormatException.quote(text));
        }
        ModulePath p = ModulePath.parse(text.substring(0, at));
        Version v = Version.parseCanonical(text.substring(at + 1));
        p.checkMajor(v);
        return new ModuleVersion(p, v);
    }

    @Override
    public int compareTo(ModuleVersion o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return path + "@" + version;
    }
}
