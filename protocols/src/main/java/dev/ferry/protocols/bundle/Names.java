package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding of store names, metadata keys and labels inside space-separated bundle lines. Encoded: '%', and
 * every byte below 0x21 (space, newline, other controls) and 0x7f, as {@code %XX} with uppercase hex over the UTF-8
 * bytes; every other character stands for itself. Decoding accepts only that canonical form, so a name has exactly
 * one spelling and signed text cannot be varied without changing its meaning.
 */
final class Names {
    private Names() {}

    static String encode(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7f || c == '%') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** Decodes an encoded field; {@code what} names it in the message. Empty fields are refused. */
    static String decode(String field, String what) {
        if (field.isEmpty()) {
            throw new BundleFormatException("empty " + what);
        }
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                throw new BundleFormatException(
                        what + " " + quote(field) + " has a character that must be " + "percent-encoded");
            }
        }
        if (field.indexOf('%') < 0) {
            return field;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(field.length());
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '%') {
                out.write(bytes[i]);
                continue;
            }
            int hi = i + 2 < bytes.length ? hex(bytes[i + 1]) : -1;
            int lo = i + 2 < bytes.length ? hex(bytes[i + 2]) : -1;
            int c = hi << 4 | lo;
            if (hi < 0 || lo < 0 || !(c <= 0x20 || c == 0x7f || c == '%')) {
                throw new BundleFormatException("bad percent-encoding in " + what + " " + quote(field));
            }
            out.write(c);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BundleFormatException(what + " " + quote(field) + " is not UTF-8");
        }
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        return b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }
}
