package dev.ferry.protocols.gosrc;

import java.util.ArrayList;
import java.util.List;

/**
 * The import paths of one Go source file, read as go/build's import-only parse does: the package clause, then
 * every import declaration (single or parenthesised, with or without a name), stopping at the first other
 * declaration. Comments (line and block) may stand anywhere between tokens. Build constraints are not
 * evaluated: a file's imports count whatever its tags, so a prewarm plans for every platform.
 */
public final class Imports {
    private Imports() {}

    /**
     * The import paths of {@code src} in file order; empty when the file does not start like Go source (a file
     * that does not parse is the compiler's business, not the planner's).
     */
    public static List<String> of(String src) {
        Scanner s = new Scanner(src);
        List<String> out = new ArrayList<>();
        String keyword = s.word();
        String packageName = s.word();
        if (!"package".equals(keyword) || packageName == null) {
            return out;
        }
        s.semicolon();
        while ("import".equals(s.peekWord())) {
            s.word();
            if (s.take('(')) {
                while (!s.take(')')) {
                    String path = spec(s);
                    if (path == null) {
                        return out;
                    }
                    out.add(path);
                    s.semicolon();
                }
            } else {
                String path = spec(s);
                if (path == null) {
                    return out;
                }
                out.add(path);
            }
            s.semicolon();
        }
        return out;
    }

    /** {@code [name | . | _] "path"}: the path, or null when the spec is not one. */
    private static String spec(Scanner s) {
        if (!s.take('.') && !s.take('_')) {
            s.peekWordAndSkip();
        }
        return s.string();
    }

    /** A cursor over the source that skips white space and comments before each token. */
    private static final class Scanner {
        private final String src;
        private int pos;

        Scanner(String src) {
            this.src = src;
        }

        private void skip() {
            while (pos < src.length()) {
                char c = src.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    pos++;
                } else if (src.startsWith("//", pos)) {
                    int nl = src.indexOf('\n', pos);
                    pos = nl < 0 ? src.length() : nl + 1;
                } else if (src.startsWith("/*", pos)) {
                    int end = src.indexOf("*/", pos + 2);
                    pos = end < 0 ? src.length() : end + 2;
                } else {
                    return;
                }
            }
        }

        String peekWord() {
            skip();
            int end = pos;
            while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) {
                end++;
            }
            return end == pos ? null : src.substring(pos, end);
        }

        String word() {
            String w = peekWord();
            if (w != null) {
                pos += w.length();
            }
            return w;
        }

        void peekWordAndSkip() {
            word();
        }

        boolean take(char c) {
            skip();
            if (pos < src.length() && src.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        void semicolon() {
            take(';');
        }

        /** A Go string literal holding an import path: "..." (without escapes, as import paths have none) or `...`. */
        String string() {
            skip();
            if (pos >= src.length()) {
                return null;
            }
            char q = src.charAt(pos);
            if (q != '"' && q != '`') {
                return null;
            }
            int end = src.indexOf(q, pos + 1);
            if (end < 0 || (q == '"' && src.substring(pos + 1, end).contains("\\"))) {
                return null;
            }
            String path = src.substring(pos + 1, end);
            pos = end + 1;
            return path;
        }
    }
}
