package dev.ferry.sync.bundle;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Tag;
import java.util.regex.Pattern;

/**
 * {@code [registry/]repository[:tag|@digest]} with globs in the repository. As ferry routes /v2/ paths, a first
 * component that names a mirrored registry selects within that registry; the whole path is also matched against
 * the repositories of every target (hosted and mirrored), so {@code library/tiny} selects it wherever it is.
 */
record ImagePattern(String text, String path, Pattern whole, String tag, Digest digest) {
    static ImagePattern parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty image pattern");
        }
        try {
            Digest digest = null;
            int at = s.indexOf('@');
            if (at >= 0) {
                digest = Digest.parse(s.substring(at + 1));
                s = s.substring(0, at);
            }
            String tag = null;
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf('/', colon) < 0) {
                tag = Tag.parse(s.substring(colon + 1)).value();
                s = s.substring(0, colon);
            }
            if (digest != null && tag != null) {
                throw new IllegalArgumentException(
                        "image pattern " + FormatException.quote(text) + " names both a tag and a digest");
            }
            if (s.isEmpty() || !s.matches("[a-z0-9._\\-/*?]+")) {
                throw new IllegalArgumentException("invalid repository in image pattern " + FormatException.quote(text)
                        + " (lowercase letters, digits, . _ - / and globs * ? **)");
            }
            return new ImagePattern(text.strip(), s, Pattern.compile(glob(s)), tag, digest);
        } catch (FormatException e) {
            throw new IllegalArgumentException(
                    "invalid image pattern " + FormatException.quote(text) + ": " + e.getMessage());
        }
    }

    boolean matches(OciSelection.TargetRepo tr) {
        String repo = tr.repository().value();
        if (tr.registry() != null
                && path.startsWith(tr.registry() + "/")
                && Pattern.matches(glob(path.substring(tr.registry().length() + 1)), repo)) {
            return true;
        }
        return whole.matcher(repo).matches();
    }

    private static String glob(String s) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
