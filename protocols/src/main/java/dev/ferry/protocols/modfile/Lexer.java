package dev.ferry.protocols.modfile;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits go.mod text into tokens and groups them into statements the way modfile/read.go does: lines, blocks
 * {@code verb ( ... )}, whole-line comments and end-of-line comments.
 */
final class Lexer {

    enum Kind {
        NEWLINE,
        EOF,
        COMMENT,
        EOL_COMMENT,
        LPAREN,
        RPAREN,
        PUNCT,
        STRING,
        IDENT
    }

    record Token(Kind kind, String text, int line, int col) {
        boolean isEol() {
            return kind == Kind.NEWLINE || kind == Kind.EOF || kind == Kind.EOL_COMMENT;
        }
    }

    /** One statement: its tokens, where it starts, the comments before it and its end-of-line comment. */
    record Line(List<String> tokens, int line, int col, List<String> before, String suffix) {}

    /** A {@code verb ( ... )} block; {@code before} are the comments directly above the verb line. */
    record Block(List<String> tokens, int line, int col, List<Line> lines, List<String> before) {}

    private final String file;
    private final String src;
    private int pos;
    private int line = 1;
    private int col = 1;
    private Token token;
    private final List<Object> statements = new ArrayList<>();

    private Lexer(String file, String src) {
        this.file = file;
        this.src = src;
    }

    /** Returns the file's statements in order, each a {@link Line} or a {@link Block}. */
    static List<Object> parse(String file, String src) throws FormatException {
        Lexer in = new Lexer(file, src);
        in.readToken();
        in.parseFile();
        return in.statements;
    }

    private FormatException error(String msg) {
        return new FormatException(position(file, line, col) + msg);
    }

    static String position(String file, int line, int col) {
        return col > 1 ? file + ":" + line + ":" + col + ": " : file + ":" + line + ": ";
    }

    private boolean eof() {
        return pos >= src.length();
    }

    private int peekRune() {
        return src.codePointAt(pos);
    }

    private int readRune() {
        int c = src.codePointAt(pos);
        pos += Character.charCount(c);
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        return c;
    }

    private Token lex() {
        Token t = token;
        readToken();
        return t;
    }

    private void readToken() {
        while (!eof()) {
            int c = peekRune();
            if (c == ' ' || c == '\t' || c == '\r') {
                readRune();
                continue;
            }
            if (src.startsWith("//", pos)) {
                int startLine = line;
                int startCol = col;
                int start = pos;
                // A comment alone on its line belongs to what follows; one after tokens belongs to that line.
                int nl = src.lastIndexOf('\n', pos - 1);
                boolean suffix = !src.substring(nl + 1, pos).isBlank();
                while (!eof() && readRune() != '\n') {
                    // consume to end of line
                }
                String text = src.substring(start, pos);
                if (text.endsWith("\r\n")) {
                    text = text.substring(0, text.length() - 2);
                } else if (text.endsWith("\n")) {
                    text = text.substring(0, text.length() - 1);
                }
                token = new Token(suffix ? Kind.EOL_COMMENT : Kind.COMMENT, text, startLine, startCol);
                return;
            }
            if (src.startsWith("/*", pos)) {
                throw error("mod files must use // comments (not /* */ comments)");
            }
            break;
        }
        int startLine = line;
        int startCol = col;
        int start = pos;
        if (eof()) {
            token = new Token(Kind.EOF, "", startLine, startCol);
            return;
        }
        int c = peekRune();
        switch (c) {
            case '\n' -> {
                readRune();
                token = new Token(Kind.NEWLINE, "\n", startLine, startCol);
                return;
            }
            case '(' -> {
                readRune();
                token = new Token(Kind.LPAREN, "(", startLine, startCol);
                return;
            }
            case ')' -> {
                readRune();
                token = new Token(Kind.RPAREN, ")", startLine, startCol);
                return;
            }
            case '[', ']', '{', '}', ',' -> {
                readRune();
                token = new Token(Kind.PUNCT, String.valueOf((char) c), startLine, startCol);
                return;
            }
            case '"', '`' -> {
                readRune();
                while (true) {
                    if (eof()) {
                        line = startLine;
                        col = startCol;
                        throw error("unexpected EOF in string");
                    }
                    if (peekRune() == '\n') {
                        throw error("unexpected newline in string");
                    }
                    int r = readRune();
                    if (r == c) {
                        break;
                    }
                    if (r == '\\' && c != '`') {
                        if (eof()) {
                            line = startLine;
                            col = startCol;
                            throw error("unexpected EOF in string");
                        }
                        readRune();
                    }
                }
                token = new Token(Kind.STRING, src.substring(start, pos), startLine, startCol);
                return;
            }
            default -> {}
        }
        if (!isIdent(c)) {
            throw error("unexpected input character " + quote(new String(Character.toChars(c))));
        }
        while (!eof() && isIdent(peekRune())) {
            if (src.startsWith("//", pos)) {
                break;
            }
            if (src.startsWith("/*", pos)) {
                throw error("mod files must use // comments (not /* */ comments)");
            }
            readRune();
        }
        token = new Token(Kind.IDENT, src.substring(start, pos), startLine, startCol);
    }

    /** read.go's isIdent: any printable, non-space character other than the punctuation {@code ()[]{},}. */
    static boolean isIdent(int c) {
        return switch (c) {
            case ' ', '(', ')', '[', ']', '{', '}', ',' -> false;
            default -> !isSpace(c) && isPrint(c);
        };
    }

    private static boolean isSpace(int c) {
        return c == '\t'
                || c == '\n'
                || c == 0x0b
                || c == '\f'
                || c == '\r'
                || c == ' '
                || c == 0x85
                || c == 0xa0
                || Character.isSpaceChar(c)
                || Character.isWhitespace(c);
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols; the only space allowed is U+0020. */
    private static boolean isPrint(int c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL,
                    Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL -> true;
            default -> c == ' ';
        };
    }

    private void parseFile() {
        List<String> pending = null;
        while (true) {
            switch (token.kind()) {
                case NEWLINE -> {
                    lex();
                    pending = null; // a blank line detaches comments from the next statement
                }
                case COMMENT -> {
                    if (pending == null) {
                        pending = new ArrayList<>();
                    }
                    pending.add(lex().text());
                }
                case EOF -> {
                    return;
                }
                default -> {
                    parseStmt(pending == null ? List.of() : pending);
                    pending = null;
                }
            }
        }
    }

    private void parseStmt(List<String> before) {
        Token first = lex();
        List<String> tokens = new ArrayList<>();
        tokens.add(first.text());
        while (true) {
            Token t = lex();
            if (t.isEol()) {
                String suffix = t.kind() == Kind.EOL_COMMENT ? t.text() : null;
                statements.add(new Line(tokens, first.line(), first.col(), before, suffix));
                return;
            }
            if (t.kind() == Kind.LPAREN) {
                if (token.isEol()) {
                    statements.add(parseBlock(first, tokens, before));
                    return;
                } else if (token.kind() == Kind.RPAREN) {
                    Token rparen = lex();
                    if (token.isEol()) {
                        lex();
                        statements.add(new Block(tokens, first.line(), first.col(), List.of(), before));
                        return;
                    }
                    tokens.add(t.text());
                    tokens.add(rparen.text());
                } else {
                    tokens.add(t.text());
                }
            } else {
                tokens.add(t.text());
            }
        }
    }

    private Block parseBlock(Token start, List<String> tokens, List<String> before) {
        List<Line> lines = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        while (true) {
            switch (token.kind()) {
                case EOL_COMMENT, NEWLINE -> lex();
                case COMMENT -> comments.add(lex().text());
                case EOF ->
                    throw error("syntax error (unterminated block started at " + file + ":" + start.line() + ":"
                            + start.col() + ")");
                case RPAREN -> {
                    lex();
                    if (!token.isEol()) {
                        throw error("syntax error (expected newline after closing paren)");
                    }
                    lex();
                    return new Block(tokens, start.line(), start.col(), lines, before);
                }
                default -> {
                    lines.add(parseLine(comments));
                    comments = new ArrayList<>();
                }
            }
        }
    }

    private Line parseLine(List<String> before) {
        Token first = lex();
        List<String> tokens = new ArrayList<>();
        tokens.add(first.text());
        while (true) {
            Token t = lex();
            if (t.isEol()) {
                String suffix = t.kind() == Kind.EOL_COMMENT ? t.text() : null;
                return new Line(tokens, first.line(), first.col(), before, suffix);
            }
            tokens.add(t.text());
        }
    }
}
