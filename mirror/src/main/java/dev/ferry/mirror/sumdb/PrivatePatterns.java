package dev.ferry.mirror.sumdb;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GOPRIVATE/GONOSUMDB-style module path patterns: comma-separated globs, each matching a path prefix of as many
 * elements as it has ({@code *.corp.example,github.com/acme} matches {@code git.corp.example/x/y} and
 * {@code github.com/acme/tool}), each element matched as Go's path.Match does (module.MatchPrefixPatterns).
 */
public record PrivatePatterns(String text, List<Pattern> globs, List<Integer> elements) {
    public PrivatePatterns {
        globs = List.copyOf(globs);
        elements = List.copyOf(elements);
    }

    public static PrivatePatterns none() {
        return new PrivatePatterns("", List.of(), List.of());
    }

    public static PrivatePatterns parse(String text) throws FormatException {
        List<Pattern> globs = new ArrayList<>();
        List<Integer> elements = new ArrayList<>();
        String t = text == null ? "" : text.strip();
        for (String raw : t.split(",")) {
            String glob = raw.strip();
            if (glob.isEmpty()) {
                continue;
            }
            while (glob.endsWith("/")) {
                glob = glob.substring(0, glob.length() - 1);
            }
            globs.add(Pattern.compile(regex(glob)));
            elements.add(glob.split("/", -1).length);
        }
        return new PrivatePatterns(t, globs, elements);
    }

    public boolean isEmpty() {
        return globs.isEmpty();
    }

    public boolean matches(ModulePath module) {
        String[] parts = module.value().split("/");
        for (int i = 0; i < globs.size(); i++) {
            int n = elements.get(i);
            if (parts.length < n) {
                continue;
            }
            if (globs.get(i)
                    .matcher(String.join("/", List.of(parts).subList(0, n)))
                    .matches()) {
                return true;
            }
        }
        return false;
    }

    /** path.Match syntax as a regex: '*' and '?' never cross '/', [...] and [^...] classes, '\' escapes. */
    private static String regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (++i >= glob.length()) {
                        throw new FormatException("bad pattern \"" + glob + "\": trailing backslash");
                    }
                    re.append(Pattern.quote(String.valueOf(glob.charAt(i))));
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new FormatException("bad pattern \"" + glob + "\": unterminated [");
                    }
                    String body = glob.substring(i + 1, end);
                    boolean negate = body.startsWith("^");
                    if (negate) {
                        body = body.substring(1);
                    }
                    if (body.isEmpty() || !body.matches("([^\\\\\\[\\]/-](-[^\\\\\\[\\]/-])?)+")) {
                        throw new FormatException("bad pattern \"" + glob + "\": unsupported character class");
                    }
                    re.append(negate ? "[^/" : "[")
                            .append(body.replace("^", "\\^"))
                            .append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
