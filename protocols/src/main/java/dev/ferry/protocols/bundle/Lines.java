package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Shared field rules of the bundle's text formats. */
final class Lines {
    private Lines() {}

    /**
     * A decimal number in canonical form (no sign, no leading zero but "0" itself), at most {@code max}.
     */
    static long number(String s, long max, String what) {
        if (s.isEmpty()
                || s.length() > 19
                || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || s.length() > 1 && s.charAt(0) == '0') {
            throw new BundleFormatException(what + " " + quote(s) + " is not a decimal number");
        }
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BundleFormatException(what + " " + quote(s) + " is too large");
        }
        if (v > max) {
            throw new BundleFormatException(what + " " + s + " is above the limit " + max);
        }
        return v;
    }

    /**
     * Reads one line of strict UTF-8 ending in '\n' (not returned), at most {@code max} bytes; null at a clean end
     * of input. A last line without its newline is refused as truncated.
     */
    static String read(InputStream in, int max, long lineNo) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new BundleFormatException("line " + lineNo + " is truncated (no newline at the end)");
            }
            if (c == '\n') {
                break;
            }
            if (b.size() >= max) {
                throw new BundleFormatException("line " + lineNo + " is longer than " + max + " bytes");
            }
            b.write(c);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BundleFormatException("line " + lineNo + " is not valid UTF-8");
        }
    }
}
