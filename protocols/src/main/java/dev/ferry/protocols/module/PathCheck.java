package dev.ferry.protocols.module;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;

/** The element rules module.checkPath and checkElem share between module paths and file paths. */
final class PathCheck {
    private PathCheck() {}

    enum Kind {
        MODULE,
        FILE
    }

    private static final String[] BAD_WINDOWS_NAMES = {
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
        "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /** Returns the reason {@code path} fails checkPath for {@code kind}, or null if it passes. */
    static String checkPath(String path, Kind kind) {
        if (!validUtf16(path)) {
            return "invalid UTF-8";
        }
        if (path.isEmpty()) {
            return "empty string";
        }
        if (path.charAt(0) == '-' && kind != Kind.FILE) {
            return "leading dash";
        }
        if (path.contains("//")) {
            return "double slash";
        }
        if (path.charAt(path.length() - 1) == '/') {
            return "trailing slash";
        }
        int start = 0;
        while (true) {
            int slash = path.indexOf('/', start);
            String elem = slash < 0 ? path.substring(start) : path.substring(start, slash);
            String err = checkElem(elem, kind);
            if (err != null) {
                return err;
            }
            if (slash < 0) {
                return null;
            }
            start = slash + 1;
        }
    }

    /** Returns the reason {@code elem} fails checkElem for {@code kind}, or null if it passes. */
    static String checkElem(String elem, Kind kind) {
        if (elem.isEmpty()) {
            return "empty path element";
        }
        if (allDots(elem)) {
            return "invalid path element " + quote(elem);
        }
        if (elem.charAt(0) == '.' && kind == Kind.MODULE) {
            return "leading dot in path element";
        }
        if (elem.charAt(elem.length() - 1) == '.') {
            return "trailing dot in path element";
        }
        for (int i = 0; i < elem.length(); ) {
            int cp = elem.codePointAt(i);
            boolean ok = kind == Kind.MODULE ? modPathOK(cp) : fileNameOK(cp);
            if (!ok) {
                return "invalid char " + quote(new String(Character.toChars(cp)));
            }
            i += Character.charCount(cp);
        }
        // Windows treats "aux.txt" like "aux", so the reserved names are checked on the part before the first dot.
        int dot = elem.indexOf('.');
        String shortName = dot >= 0 ? elem.substring(0, dot) : elem;
        // Every reserved name has 3 or 4 letters; checking the length first keeps the common case allocation-free
        // (this runs for every element of every request path).
        if (shortName.length() == 3 || shortName.length() == 4) {
            for (String bad : BAD_WINDOWS_NAMES) {
                if (bad.equalsIgnoreCase(shortName)) {
                    return quote(shortName) + " disallowed as path element component on Windows";
                }
            }
        }
        if (kind == Kind.FILE) {
            return null;
        }
        // "name~1" looks like a Windows 8.3 short name and could alias another element on such file systems.
        int tilde = shortName.lastIndexOf('~');
        if (tilde >= 0 && tilde < shortName.length() - 1) {
            boolean digits = true;
            for (int i = tilde + 1; i < shortName.length(); i++) {
                char c = shortName.charAt(i);
                if (c < '0' || c > '9') {
                    digits = false;
                    break;
                }
            }
            if (digits) {
                return "trailing tilde and digits in path element";
            }
        }
        return null;
    }

    private static boolean allDots(String elem) {
        for (int i = 0; i < elem.length(); i++) {
            if (elem.charAt(i) != '.') {
                return false;
            }
        }
        return true;
    }

    static boolean modPathOK(int c) {
        return c == '-'
                || c == '.'
                || c == '_'
                || c == '~'
                || (c >= '0' && c <= '9')
                || (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z');
    }

    static boolean firstPathOK(int c) {
        return c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    }

    static boolean fileNameOK(int c) {
        if (c < 0x80) {
            return (c >= '0' && c <= '9')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || "!#$%&()+,-.=@[]^_{}~ ".indexOf(c) >= 0;
        }
        return Character.isLetter(c);
    }

    /** Go checks UTF-8 validity; a Java string's equivalent failure is an unpaired surrogate. */
    static boolean validUtf16(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The {@code !}-encoding: each upper-case ASCII letter becomes '!' and its lower-case form. */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append('!').append((char) (c + ('a' - 'A')));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Decodes the {@code !}-encoding strictly, so that each text has one encoding: '!' must be followed by a
     * lower-case ASCII letter, upper-case letters may not appear unescaped, and non-ASCII is refused.
     * Returns null when {@code s} is not a valid encoding.
     */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean bang = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return null;
            }
            if (bang) {
                bang = false;
                if (c < 'a' || c > 'z') {
                    return null;
                }
                b.append((char) (c - ('a' - 'A')));
                continue;
            }
            if (c == '!') {
                bang = true;
                continue;
            }
            if (c >= 'A' && c <= 'Z') {
                return null;
            }
            b.append(c);
        }
        return bang ? null : b.toString();
    }

    static FormatException error(String kind, String path, String reason) {
        return new FormatException("malformed " + kind + " path " + quote(path) + ": " + reason);
    }
}
