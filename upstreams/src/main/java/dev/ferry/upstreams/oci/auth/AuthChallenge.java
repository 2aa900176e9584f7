package dev.ferry.upstreams.oci.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 9110, 11.6.1 and 11.2): an auth scheme, lowercased
 * because schemes are case-insensitive, and either auth-params (names lowercased, values unquoted with their
 * backslash escapes resolved) or a token68. Registries send {@code Bearer realm="...",service="...",scope="..."}
 * or {@code Basic realm="..."}, sometimes several challenges in one header.
 *
 * @param token68 the token68 form's value, or null when the challenge has auth-params (or nothing)
 */
public record AuthChallenge(String scheme, Map<String, String> params, String token68) {
    /** Longer headers are cut here: nothing legitimate is that long, and the parse stays cheap. */
    static final int MAX_HEADER = 16 * 1024;
    /** A header with more challenges than this is hostile; the rest are ignored. */
    static final int MAX_CHALLENGES = 16;

    private static final int MAX_PARAMS = 32;

    public AuthChallenge {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** The value of auth-param {@code name} (case-insensitive), or null. */
    public String param(String name) {
        return params.get(name.toLowerCase(Locale.ROOT));
    }

    public boolean isBearer() {
        return scheme.equals("bearer");
    }

    public boolean isBasic() {
        return scheme.equals("basic");
    }

    /** Every challenge of every header value, in order; see {@link #parse(String)}. */
    public static List<AuthChallenge> parseAll(List<String> headerValues) {
        List<AuthChallenge> all = new ArrayList<>();
        for (String v : headerValues) {
            all.addAll(parse(v));
            if (all.size() >= MAX_CHALLENGES) {
                return List.copyOf(all.subList(0, MAX_CHALLENGES));
            }
        }
        return List.copyOf(all);
    }

    /**
     * The challenges of one header value. Parsing stops at the first syntax error (unterminated quoted string,
     * a parameter without a value, a character no rule allows): the challenges before it are returned, the
     * broken one and everything after it are dropped, so a malformed header can only make us see fewer
     * challenges, never invent one. A parameter named twice keeps its first value.
     */
    public static List<AuthChallenge> parse(String header) {
        if (header == null) {
            return List.of();
        }
        Parser p = new Parser(header.length() > MAX_HEADER ? header.substring(0, MAX_HEADER) : header);
        List<AuthChallenge> out = new ArrayList<>();
        while (out.size() < MAX_CHALLENGES) {
            AuthChallenge c = p.challenge();
            if (c == null) {
                break;
            }
            out.add(c);
        }
        return List.copyOf(out);
    }

    /** Bearer if offered (it needs no secret of ours on the wire to the registry), else Basic, else null. */
    public static AuthChallenge preferred(List<AuthChallenge> challenges) {
        for (AuthChallenge c : challenges) {
            if (c.isBearer() && c.param("realm") != null) {
                return c;
            }
        }
        for (AuthChallenge c : challenges) {
            if (c.isBasic()) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        // Challenges hold no secrets, but keep it short for logs and error messages.
        return scheme + (token68 != null ? " <token68>" : " " + params);
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        /** The next challenge, or null at the end or at a syntax error. */
        AuthChallenge challenge() {
            skipListSeparators();
            String scheme = token();
            if (scheme == null) {
                return null;
            }
            if (!skipSpaces()) {
                // The scheme ends the header or is followed by ',': a challenge without parameters.
                return endOfElement() ? new AuthChallenge(scheme.toLowerCase(Locale.ROOT), Map.of(), null) : null;
            }
            String t68 = token68();
            if (t68 != null) {
                return new AuthChallenge(scheme.toLowerCase(Locale.ROOT), Map.of(), t68);
            }
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                String name = token();
                if (name == null) {
                    if (params.isEmpty() && endOfElement()) {
                        // "Basic ," : spaces then the next element.
                        return new AuthChallenge(scheme.toLowerCase(Locale.ROOT), Map.of(), null);
                    }
                    return null;
                }
                skipSpaces();
                if (!peek('=')) {
                    // After the scheme and a space come a token68 or parameters; two bare words are neither.
                    return null;
                }
                i++;
                skipSpaces();
                String value = peek('"') ? quoted() : token();
                if (value == null) {
                    return null;
                }
                if (params.size() < MAX_PARAMS) {
                    params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
                }
                skipSpaces();
                if (i >= s.length()) {
                    return new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params, null);
                }
                if (!peek(',')) {
                    return null;
                }
                skipListSeparators();
                if (i >= s.length()) {
                    return new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params, null);
                }
                // A token followed by '=' continues this challenge; anything else begins the next one.
                int mark = i;
                String next = token();
                skipSpaces();
                boolean isParam = next != null && peek('=') && !token68Follows(mark);
                i = mark;
                if (!isParam) {
                    return new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params, null);
                }
            }
        }

        /** Whether the text at {@code from} is a token68 rather than "name=...": its characters, then '='s to the element's end. */
        private boolean token68Follows(int from) {
            int j = from;
            while (j < s.length() && isToken68Char(s.charAt(j))) {
                j++;
            }
            if (j == from) {
                return false;
            }
            while (j < s.length() && s.charAt(j) == '=') {
                j++;
            }
            int k = j;
            while (k < s.length() && (s.charAt(k) == ' ' || s.charAt(k) == '\t')) {
                k++;
            }
            // "name=" followed by a value is a parameter; "abc==" followed by the end or ',' is a token68.
            return k >= s.length() || s.charAt(k) == ',';
        }

        private String token68() {
            int start = i;
            if (!token68Follows(start)) {
                return null;
            }
            int j = start;
            while (j < s.length() && (isToken68Char(s.charAt(j)) || s.charAt(j) == '=')) {
                j++;
            }
            if (j == start) {
                return null;
            }
            i = j;
            skipSpaces();
            return s.substring(start, j);
        }

        private String token() {
            int start = i;
            while (i < s.length() && isTchar(s.charAt(i))) {
                i++;
            }
            return i == start ? null : s.substring(start, i);
        }

        /** A quoted-string from the opening quote; null when it is not terminated or holds a control character. */
        private String quoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        return null;
                    }
                    c = s.charAt(i++);
                }
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return null;
                }
                b.append(c);
            }
            return null;
        }

        private boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        /** Skips spaces and tabs; true when there were any and more text follows. */
        private boolean skipSpaces() {
            int start = i;
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i > start && i < s.length() && s.charAt(i) != ',';
        }

        private void skipListSeparators() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == ',')) {
                i++;
            }
        }

        private boolean endOfElement() {
            return i >= s.length() || s.charAt(i) == ',';
        }

        private static boolean isTchar(char c) {
            return (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }

        private static boolean isToken68Char(char c) {
            return (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "-._~+/".indexOf(c) >= 0;
        }
    }
}
