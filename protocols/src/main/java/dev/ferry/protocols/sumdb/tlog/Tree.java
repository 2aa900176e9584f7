package dev.ferry.protocols.sumdb.tlog;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;

/** A tree head: the number of records and the tree hash. */
public record Tree(long size, Hash hash) {
    private static final String HEADER = "go.sum database tree\n";

    public Tree {
        if (size < 0 || hash == null) {
            throw new FormatException("a tree needs a size >= 0 and a hash");
        }
    }

    /**
     * tlog.ParseTree, strictly: exactly {@code "go.sum database tree\n<N>\n<hash>\n"}, N decimal without sign or leading
     * zeros and below 2^63, hash the canonical padded base64 of 32 bytes. x/mod ignores extra lines for forward
     * compatibility; they are refused here so that a note can only mean one tree.
     */
    public static Tree parseNote(String text) throws FormatException {
        if (text == null || !text.startsWith(HEADER)) {
            throw new FormatException("malformed tree note " + quote(text) + ": want \"go.sum database tree\" first");
        }
        String[] f = text.substring(HEADER.length()).split("\n", -1);
        if (f.length != 3 || !f[2].isEmpty()) {
            throw new FormatException("malformed tree note " + quote(text) + ": want exactly size and hash lines");
        }
        return new Tree(parseSize(f[0], "tree size"), Hash.parse(f[1]));
    }

    /** The note text {@link #parseNote} reads. */
    public String formatNote() {
        return HEADER + size + "\n" + hash.base64() + "\n";
    }

    /** A decimal in [0, 2^63): digits only, no leading zeros except "0" itself. */
    static long parseSize(String s, String what) throws FormatException {
        if (s.isEmpty()
                || s.length() > 19
                || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || s.length() > 1 && s.charAt(0) == '0') {
            throw new FormatException("invalid " + what + " " + quote(s) + ": want a decimal number");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new FormatException("invalid " + what + " " + quote(s) + ": too large");
        }
    }
}
