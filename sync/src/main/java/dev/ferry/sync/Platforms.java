package dev.ferry.sync;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.oci.Descriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * Which platforms of a multi-platform image to fetch: {@code all}, or a list of {@code os/arch[/variant]}
 * ({@code linux/amd64,linux/arm64}). A selector without a variant matches every variant of its os/arch.
 */
public record Platforms(boolean all, List<String> selectors) {
    public static final Platforms ALL = new Platforms(true, List.of());
    /** What the CLI uses when --platform is not given. */
    public static final Platforms DEFAULT = parse("linux/amd64,linux/arm64");

    public Platforms {
        selectors = List.copyOf(selectors);
    }

    /** "all", or comma-separated os/arch[/variant]; throws FormatException otherwise. */
    public static Platforms parse(String text) {
        if (text == null || text.isBlank()) {
            throw new FormatException("empty platform list (want all or os/arch[/variant],...)");
        }
        if (text.strip().equals("all")) {
            return ALL;
        }
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            String p = s.strip();
            String[] parts = p.split("/", -1);
            if (parts.length < 2
                    || parts.length > 3
                    || List.of(parts).stream().anyMatch(x -> !x.matches("[a-z0-9._-]+"))) {
                throw new FormatException("invalid platform " + FormatException.quote(p)
                        + " (want os/arch[/variant], e.g. linux/arm64/v8, or all)");
            }
            out.add(p);
        }
        return new Platforms(false, out);
    }

    public boolean matches(Descriptor.Platform platform) {
        if (all) {
            return true;
        }
        if (platform == null) {
            return false;
        }
        for (String s : selectors) {
            String[] parts = s.split("/");
            if (parts[0].equals(platform.os())
                    && parts[1].equals(platform.architecture())
                    && (parts.length == 2 || parts[2].equals(platform.variant()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return all ? "all" : String.join(",", selectors);
    }
}
