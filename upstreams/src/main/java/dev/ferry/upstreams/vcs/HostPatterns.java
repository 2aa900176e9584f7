package dev.ferry.upstreams.vcs;

import dev.ferry.protocols.FormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Host name globs, comma-separated ({@code git.corp.example,*.internal.example}): {@code *} matches any run of
 * characters and {@code ?} one, as in a GOPRIVATE element (path.Match; a host has no '/'), compared without case.
 * A glob is a host name's characters ({@code [a-z0-9.-]}) and wildcards only, so a pattern can never be read as
 * anything but a host.
 */
public record HostPatterns(List<String> globs, List<Pattern> patterns) {
    private static final Pattern GLOB = Pattern.compile("[a-z0-9.*?\\-]{1,253}");

    public HostPatterns {
        globs = List.copyOf(globs);
        patterns = List.copyOf(patterns);
    }

    public static HostPatterns none() {
        return new HostPatterns(List.of(), List.of());
    }

    /** Throws FormatException naming the glob that is not a host pattern. */
    public static HostPatterns parse(String text) {
        List<String> globs = new ArrayList<>();
        for (String raw : (text == null ? "" : text).split(",")) {
            String glob = raw.strip().toLowerCase(Locale.ROOT);
            if (glob.isEmpty()) {
                continue;
            }
            if (!GLOB.matcher(glob).matches()) {
                throw new FormatException("\"" + raw.strip() + "\" is not a host name glob (letters, digits, '.', '-',"
                        + " '*' and '?' only; no scheme, port or path)");
            }
            globs.add(glob);
        }
        return of(globs);
    }

    public static HostPatterns of(List<String> globs) {
        List<Pattern> patterns = new ArrayList<>();
        for (String g : globs) {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < g.length(); i++) {
                char c = g.charAt(i);
                re.append(
                        switch (c) {
                            case '*' -> ".*";
                            case '?' -> ".";
                            default -> Pattern.quote(String.valueOf(c));
                        });
            }
            patterns.add(Pattern.compile(re.toString()));
        }
        return new HostPatterns(globs, patterns);
    }

    public boolean isEmpty() {
        return globs.isEmpty();
    }

    public boolean matches(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return patterns.stream().anyMatch(p -> p.matcher(h).matches());
    }

    /** As GOINSECURE and GOPRIVATE take it. */
    @Override
    public String toString() {
        return String.join(",", globs);
    }
}
