package dev.ferry.protocols.modfile;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed go.mod: module, go, toolchain, require, exclude, replace and retract directives.
 *
 * <p>{@link #parse} reads a dependency's go.mod as modfile.ParseLax does; {@link #parseStrict} reads a main
 * module's as modfile.Parse does. Differences from x/mod, all in the direction of refusing:
 * <ul>
 * <li>the module directive is required, and its path and every require, exclude and replace-old path must pass
 *     {@link ModulePath#parse} (x/mod only checks their major suffix; a go.mod that names an impossible path can
 *     never be used as a dependency, because the go command checks those paths when it loads them);</li>
 * <li>the first error is reported, not all of them;</li>
 * <li>files over {@link #MAX_SIZE} bytes are refused (the go command refuses to download larger go.mod files).</li>
 * </ul>
 *
 * @param module     the module directive's path
 * @param go         the go directive's version ("1.21", "1.21.3", "1.21rc1"), or "" if there is none
 * @param toolchain  the toolchain directive's name ("go1.21.3", "default"), or "" if there is none or lax parsing
 * @param require    requirements in file order, versions canonical
 * @param exclude    exclusions in file order, versions canonical; always empty when parsed laxly
 * @param replace    replacements in file order; always empty when parsed laxly
 * @param retract    retractions in file order, versions canonical
 * @param deprecated the module's deprecation message ("Deprecated:" paragraph of the module comment), or ""
 */
public record GoMod(
        ModulePath module,
        String go,
        String toolchain,
        List<Require> require,
        List<Exclude> exclude,
        List<Replace> replace,
        List<Retract> retract,
        String deprecated) {

    /** Largest go.mod accepted, as the go command's own download limit (codehost.MaxGoMod). */
    public static final int MAX_SIZE = 16 << 20;

    public GoMod {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(go, "go");
        Objects.requireNonNull(toolchain, "toolchain");
        Objects.requireNonNull(deprecated, "deprecated");
        require = List.copyOf(require);
        exclude = List.copyOf(exclude);
        replace = List.copyOf(replace);
        retract = List.copyOf(retract);
    }

    /** A go.mod with only a module directive, as a proxy synthesizes for a module that has none. */
    public GoMod(ModulePath module) {
        this(module, "", "", List.of(), List.of(), List.of(), List.of(), "");
    }

    /** {@code require path version [// indirect]}. */
    public record Require(ModulePath path, Version version, boolean indirect) {
        public Require {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(version, "version");
        }
    }

    /** {@code exclude path version}. */
    public record Exclude(ModulePath path, Version version) {
        public Exclude {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(version, "version");
        }
    }

    /**
     * {@code replace oldPath [oldVersion] => newPath [newVersion]}: oldVersion null means every version of oldPath;
     * newVersion null means newPath is a local directory ({@link #isLocal()}), otherwise newPath is a module path
     * (x/mod does not check it, and neither do we).
     */
    public record Replace(ModulePath oldPath, Version oldVersion, String newPath, Version newVersion) {
        public Replace {
            Objects.requireNonNull(oldPath, "oldPath");
            Objects.requireNonNull(newPath, "newPath");
        }

        /** Whether the replacement is a directory on the main module's machine rather than a module. */
        public boolean isLocal() {
            return newVersion == null;
        }
    }

    /**
     * {@code retract version} (low == high) or {@code retract [low, high]}, with the comment text above or after
     * the directive (or above its block) as rationale, comment markers removed and lines joined with "\n".
     */
    public record Retract(Version low, Version high, String rationale) {
        public Retract {
            Objects.requireNonNull(low, "low");
            Objects.requireNonNull(high, "high");
            Objects.requireNonNull(rationale, "rationale");
        }

        /** Whether {@code v} lies in [low, high] by semver order (the go command's isRetracted). */
        public boolean contains(Version v) {
            return low.compareTo(v) <= 0 && v.compareTo(high) <= 0;
        }
    }

    /**
     * Parses go.mod text as the go command does for a dependency's go.mod (modfile.ParseLax): only the module, go,
     * require, retract and ignore directives are interpreted; every other directive, known or not, and every block
     * with an unknown or multi-word header, is skipped without looking at its arguments, since replace, exclude and
     * toolchain only apply in the main module and future directives are presumed to as well. A retract whose
     * versions cannot be parsed is skipped too (x/mod leaves room for future interval syntax). A go version that
     * is not strictly valid is repaired to its major.minor when it starts with one ("1.2.beta1" → "1.2").
     * Errors are "go.mod:LINE: message" (or "go.mod:LINE:COL:" when not at the start of a line).
     */
    public static GoMod parse(byte[] data) throws FormatException {
        return parse("go.mod", data, false);
    }

    /**
     * Parses a main module's go.mod as modfile.Parse does: unknown directives and blocks are errors; exclude,
     * replace and toolchain are interpreted; godebug, tool and ignore are checked but not recorded.
     */
    public static GoMod parseStrict(byte[] data) throws FormatException {
        return parse("go.mod", data, true);
    }

    /**
     * {@link #parse} or {@link #parseStrict}, naming {@code file} in error messages
     * (e.g. "example.com/m@v1.0.0/go.mod:3: ...").
     */
    public static GoMod parse(String file, byte[] data, boolean strict) throws FormatException {
        Objects.requireNonNull(file, "file");
        if (data == null) {
            throw new FormatException(file + ": missing");
        }
        if (data.length > MAX_SIZE) {
            throw new FormatException(file + ": too large (" + data.length + " bytes; limit is " + MAX_SIZE + ")");
        }
        // The lexer works on runes; invalid UTF-8 becomes U+FFFD as Go's rune decoding does.
        String src = new String(data, StandardCharsets.UTF_8);
        return new Builder(file, strict, false).build(Lexer.parse(file, src));
    }

    /** {@link GoWork#parse}: a go.work shares go.mod's syntax, with {@code use} and without {@code module}. */
    static GoWork parseWork(String file, byte[] data) throws FormatException {
        Objects.requireNonNull(file, "file");
        if (data == null) {
            throw new FormatException(file + ": missing");
        }
        if (data.length > MAX_SIZE) {
            throw new FormatException(file + ": too large (" + data.length + " bytes; limit is " + MAX_SIZE + ")");
        }
        Builder b = new Builder(file, true, true);
        b.collect(Lexer.parse(file, new String(data, StandardCharsets.UTF_8)));
        return new GoWork(b.go == null ? "" : b.go, b.use, b.replace);
    }

    private static final Pattern GO_VERSION =
            Pattern.compile("^([1-9][0-9]*)\\.(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$");
    private static final Pattern LAX_GO_VERSION =
            Pattern.compile("^v?(([1-9][0-9]*)\\.(0|[1-9][0-9]*))([^0-9].*)$", Pattern.DOTALL);
    private static final Pattern TOOLCHAIN = Pattern.compile("^default$|^go1($|\\.)");
    private static final Pattern DEPRECATED =
            Pattern.compile("(?:^|\n\n)Deprecated: *(.*?)(?:\\z|\n\n)", Pattern.DOTALL);

    /** Accumulates directives; one per parse. */
    private static final class Builder {
        private final String file;
        private final boolean strict;
        private ModulePath module;
        private String go;
        private String toolchain;
        private String deprecated = "";
        private final List<Require> require = new ArrayList<>();
        private final List<Exclude> exclude = new ArrayList<>();
        private final List<Replace> replace = new ArrayList<>();
        private final List<Retract> retract = new ArrayList<>();
        private final List<String> use = new ArrayList<>();
        private final boolean work;
        private boolean sawModule;

        Builder(String file, boolean strict, boolean work) {
            this.file = file;
            this.strict = strict;
            this.work = work;
        }

        GoMod build(List<Object> statements) {
            collect(statements);
            if (module == null) {
                throw new FormatException(file + ": no module directive");
            }
            return new GoMod(
                    module,
                    go == null ? "" : go,
                    toolchain == null ? "" : toolchain,
                    require,
                    exclude,
                    replace,
                    retract,
                    deprecated);
        }

        void collect(List<Object> statements) {
            for (Object s : statements) {
                if (s instanceof Lexer.Line line) {
                    add(
                            null,
                            line,
                            line.tokens().get(0),
                            line.tokens().subList(1, line.tokens().size()));
                } else if (s instanceof Lexer.Block block) {
                    String verb = block.tokens().get(0);
                    boolean known = block.tokens().size() == 1
                            && (work
                                    ? verb.equals("use") || verb.equals("replace") || verb.equals("godebug")
                                    : switch (verb) {
                                        case "module",
                                                "godebug",
                                                "require",
                                                "exclude",
                                                "replace",
                                                "retract",
                                                "tool",
                                                "ignore" -> true;
                                        default -> false;
                                    });
                    if (!known) {
                        if (strict) {
                            throw new FormatException(Lexer.position(file, block.line(), block.col())
                                    + "unknown block type: " + String.join(" ", block.tokens()));
                        }
                        continue;
                    }
                    for (Lexer.Line l : block.lines()) {
                        add(block, l, verb, l.tokens());
                    }
                }
            }
        }

        private FormatException error(Lexer.Line line, String msg) {
            return new FormatException(Lexer.position(file, line.line(), line.col()) + msg);
        }

        private void add(Lexer.Block block, Lexer.Line line, String verb, List<String> args) {
            if (!strict) {
                switch (verb) {
                    case "go", "module", "retract", "require", "ignore" -> {}
                    default -> {
                        return;
                    }
                }
            }
            if (work && !List.of("go", "toolchain", "godebug", "use", "replace").contains(verb)) {
                throw error(line, "unknown directive: " + verb);
            }
            switch (verb) {
                case "use" -> {
                    if (!work) {
                        throw error(line, "unknown directive: " + verb);
                    }
                    if (args.size() != 1) {
                        throw error(line, "usage: use local/dir");
                    }
                    use.add(string(line, args.get(0)));
                }
                case "go" -> {
                    if (go != null) {
                        throw error(line, "repeated go statement");
                    }
                    if (args.size() != 1) {
                        throw error(line, "go directive expects exactly one argument");
                    }
                    String v = args.get(0);
                    if (!GO_VERSION.matcher(v).matches()) {
                        Matcher m = strict ? null : LAX_GO_VERSION.matcher(v);
                        if (m == null || !m.matches()) {
                            throw error(line, "invalid go version '" + v + "': must match format 1.23.0");
                        }
                        v = m.group(1);
                    }
                    go = v;
                }
                case "toolchain" -> {
                    if (toolchain != null) {
                        throw error(line, "repeated toolchain statement");
                    }
                    if (args.size() != 1) {
                        throw error(line, "toolchain directive expects exactly one argument");
                    }
                    if (!TOOLCHAIN.matcher(args.get(0)).find()) {
                        throw error(
                                line,
                                "invalid toolchain version '" + args.get(0)
                                        + "': must match format go1.23.0 or default");
                    }
                    toolchain = args.get(0);
                }
                case "module" -> {
                    if (sawModule) {
                        throw error(line, "repeated module statement");
                    }
                    sawModule = true;
                    if (args.size() != 1) {
                        throw error(line, "usage: module module/path");
                    }
                    String s = string(line, args.get(0));
                    module = path(line, "module", s);
                    Matcher m = DEPRECATED.matcher(directiveComment(block, line));
                    if (m.find()) {
                        deprecated = m.group(1);
                    }
                }
                case "godebug" -> {
                    if (args.size() != 1
                            || args.get(0).chars().anyMatch(c -> "\"`',".indexOf(c) >= 0)
                            || args.get(0).indexOf('=') < 0) {
                        throw error(line, "usage: godebug key=value");
                    }
                }
                case "require", "exclude" -> {
                    if (args.size() != 2) {
                        throw error(line, "usage: " + verb + " module/path v1.2.3");
                    }
                    String s = string(line, args.get(0));
                    ModulePath p = path(line, verb, s);
                    Version v = version(line, verb, s, args.get(1));
                    checkMajor(line, verb, p, v);
                    if (verb.equals("require")) {
                        require.add(new Require(p, v, isIndirect(line)));
                    } else {
                        exclude.add(new Exclude(p, v));
                    }
                }
                case "replace" -> replace.add(replace(line, verb, args));
                case "retract" -> {
                    String rationale = directiveComment(block, line);
                    Retract r;
                    List<String> rest;
                    try {
                        Object[] parsed = interval(line, verb, args);
                        r = new Retract((Version) parsed[0], (Version) parsed[1], rationale);
                        @SuppressWarnings("unchecked")
                        List<String> left = (List<String>) parsed[2];
                        rest = left;
                    } catch (FormatException e) {
                        if (strict) {
                            throw e;
                        }
                        return;
                    }
                    if (!rest.isEmpty() && strict) {
                        throw error(line, "unexpected token after version: " + quote(rest.get(0)));
                    }
                    retract.add(r);
                }
                case "tool", "ignore" -> {
                    if (args.size() != 1) {
                        throw error(line, verb + " directive expects exactly one argument");
                    }
                    string(line, args.get(0));
                }
                default -> throw error(line, "unknown directive: " + verb);
            }
        }

        private Replace replace(Lexer.Line line, String verb, List<String> args) {
            int arrow = args.size() >= 2 && args.get(1).equals("=>") ? 1 : 2;
            if (args.size() < arrow + 2
                    || args.size() > arrow + 3
                    || !args.get(arrow).equals("=>")) {
                throw error(
                        line,
                        "usage: " + verb + " module/path [v1.2.3] => other/module v1.4\n\t or " + verb
                                + " module/path [v1.2.3] => ../local/directory");
            }
            String s = string(line, args.get(0));
            ModulePath oldPath = path(line, verb, s);
            Version oldVersion = null;
            if (arrow == 2) {
                oldVersion = version(line, verb, s, args.get(1));
                checkMajor(line, verb, oldPath, oldVersion);
            }
            String ns = string(line, args.get(arrow + 1));
            Version newVersion = null;
            if (args.size() == arrow + 2) {
                if (!isDirectoryPath(ns)) {
                    if (ns.contains("@")) {
                        throw error(line, "replacement module must match format 'path version', not 'path@version'");
                    }
                    throw error(
                            line,
                            "replacement module without version must be directory path (rooted or "
                                    + "starting with . or ..)");
                }
                if (ns.contains("\\")) {
                    // x/mod refuses these only on non-Windows hosts; ferry runs on Linux.
                    throw error(line, "replacement directory appears to be Windows path (on a non-windows system)");
                }
            } else {
                newVersion = version(line, verb, ns, args.get(arrow + 2));
                if (isDirectoryPath(ns)) {
                    throw error(line, "replacement module directory path " + quote(ns) + " cannot have version");
                }
            }
            return new Replace(oldPath, oldVersion, ns, newVersion);
        }

        /** {low, high, remaining args} for "v" or "[ low , high ]". */
        private Object[] interval(Lexer.Line line, String verb, List<String> toks) {
            if (toks.isEmpty() || toks.get(0).equals("(")) {
                throw error(line, "expected '[' or version");
            }
            if (!toks.get(0).equals("[")) {
                Version v = version(line, verb, "", toks.get(0));
                return new Object[] {v, v, toks.subList(1, toks.size())};
            }
            if (toks.size() < 2) {
                throw error(line, "expected version after '['");
            }
            Version low = version(line, verb, "", toks.get(1));
            if (toks.size() < 3 || !toks.get(2).equals(",")) {
                throw error(line, "expected ',' after version");
            }
            if (toks.size() < 4) {
                throw error(line, "expected version after ','");
            }
            Version high = version(line, verb, "", toks.get(3));
            if (toks.size() < 5 || !toks.get(4).equals("]")) {
                throw error(line, "expected ']' after version");
            }
            return new Object[] {low, high, toks.subList(5, toks.size())};
        }

        private ModulePath path(Lexer.Line line, String verb, String s) {
            try {
                return ModulePath.parse(s);
            } catch (FormatException e) {
                throw error(line, verb + " " + quote(s) + ": " + e.getMessage());
            }
        }

        /** modfile.parseVersion with no fixer: the version must have a canonical form, and that form is kept. */
        private Version version(Lexer.Line line, String verb, String path, String token) {
            String prefix = verb + (path.isEmpty() ? "" : " " + path) + ": ";
            String t;
            try {
                t = unquote(token);
            } catch (FormatException e) {
                throw error(line, prefix + "version " + quote(token) + " invalid: " + e.getMessage());
            }
            if (!Version.isValid(t)) {
                throw error(line, prefix + "version " + quote(t) + " invalid: must be of the form v1.2.3");
            }
            return Version.parse(t).canonical();
        }

        private void checkMajor(Lexer.Line line, String verb, ModulePath p, Version v) {
            if (!p.matchesMajor(v)) {
                try {
                    p.checkMajor(v);
                } catch (FormatException e) {
                    throw error(line, verb + " " + p + ": " + e.getMessage());
                }
            }
        }

        private String string(Lexer.Line line, String token) {
            try {
                return unquote(token);
            } catch (FormatException e) {
                throw error(line, "invalid quoted string: " + e.getMessage());
            }
        }
    }

    /**
     * modfile.parseString: a token starting with '"' is a Go interpreted string literal and is unquoted; any other
     * token must not contain '"', '\'' or '`' (so raw `...` strings, which the lexer accepts, are refused here, as in
     * x/mod).
     */
    static String unquote(String t) throws FormatException {
        if (t.startsWith("\"")) {
            return goUnquote(t);
        }
        if (t.indexOf('"') >= 0 || t.indexOf('\'') >= 0 || t.indexOf('`') >= 0) {
            throw new FormatException("unquoted string cannot contain quote");
        }
        return t;
    }

    /** strconv.Unquote for a double-quoted literal; byte escapes (\x, octal) are taken as UTF-8 bytes. */
    private static String goUnquote(String t) throws FormatException {
        FormatException syntax = new FormatException("invalid syntax");
        if (t.length() < 2 || !t.endsWith("\"")) {
            throw syntax;
        }
        String s = t.substring(1, t.length() - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (c == '"' || c == '\n') {
                throw syntax;
            }
            if (c != '\\') {
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw syntax;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write(10);
                case 'r' -> out.write(13);
                case 't' -> out.write(9);
                case 'v' -> out.write(11);
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + n > s.length()) {
                        throw syntax;
                    }
                    long v = 0;
                    for (int k = 0; k < n; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0 || s.charAt(i + k) >= 0x80) {
                            throw syntax;
                        }
                        v = v * 16 + d;
                    }
                    i += n;
                    if (e == 'x') {
                        out.write((int) v);
                    } else {
                        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
                            throw syntax;
                        }
                        out.writeBytes(new String(Character.toChars((int) v)).getBytes(StandardCharsets.UTF_8));
                    }
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    if (i + 2 > s.length()) {
                        throw syntax;
                    }
                    int v = e - '0';
                    for (int k = 0; k < 2; k++) {
                        char d = s.charAt(i + k);
                        if (d < '0' || d > '7') {
                            throw syntax;
                        }
                        v = v * 8 + (d - '0');
                    }
                    if (v > 255) {
                        throw syntax;
                    }
                    i += 2;
                    out.write(v);
                }
                default -> throw syntax;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** modfile.IsDirectoryPath: ./ ../ . .. and rooted paths, in Unix or Windows spelling, or a drive letter. */
    public static boolean isDirectoryPath(String ns) {
        return ns.equals(".")
                || ns.startsWith("./")
                || ns.startsWith(".\\")
                || ns.equals("..")
                || ns.startsWith("../")
                || ns.startsWith("..\\")
                || ns.startsWith("/")
                || ns.startsWith("\\")
                || (ns.length() >= 2
                        && ((ns.charAt(0) >= 'A' && ns.charAt(0) <= 'Z')
                                || (ns.charAt(0) >= 'a' && ns.charAt(0) <= 'z'))
                        && ns.charAt(1) == ':');
    }

    /** modfile.isIndirect: the line's end-of-line comment is "// indirect" or starts "// indirect;". */
    private static boolean isIndirect(Lexer.Line line) {
        if (line.suffix() == null) {
            return false;
        }
        String[] f = line.suffix().substring(2).trim().split("\\s+");
        return (f.length == 1 && f[0].equals("indirect")) || (f.length > 1 && f[0].equals("indirect;"));
    }

    /**
     * modfile.parseDirectiveComment: the comments above and after a directive, or, for a block line with neither,
     * the comments above the block; markers removed, trimmed, joined with "\n".
     */
    private static String directiveComment(Lexer.Block block, Lexer.Line line) {
        List<String> comments = new ArrayList<>(line.before());
        if (line.suffix() != null) {
            comments.add(line.suffix());
        }
        if (block != null && comments.isEmpty()) {
            comments.addAll(block.before());
        }
        List<String> lines = new ArrayList<>();
        for (String c : comments) {
            if (c.startsWith("//")) {
                lines.add(c.substring(2).strip());
            }
        }
        return String.join("\n", lines);
    }
}
