package dev.ferry.protocols.sumdb.note;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.SumdbException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An opened note: its text (ending in a newline) and its signatures, those verified by a known key and those by keys
 * not known to the caller.
 */
public record Note(String text, List<Signature> signatures, List<Signature> unverified) {
    /** Largest note accepted, in bytes: far above any tree note (about 150 bytes), small enough to hold in memory. */
    public static final int MAX_SIZE = 1 << 20;
    /** Most signature lines accepted, as x/mod, so a note cannot make us verify forever. */
    public static final int MAX_SIGNATURES = 100;

    private static final String SIG_PREFIX = "\u2014 ";

    public Note {
        signatures = List.copyOf(signatures);
        unverified = List.copyOf(unverified);
    }

    /** One signature line: key name, key hash and the base64 as written (4-byte key hash and signature). */
    public record Signature(String name, int keyHash, String base64) {}

    /**
     * note.Open with ferry's stricter duplicate rule. The message must be
     * <ul>
     * <li>at most {@link #MAX_SIZE} bytes of valid UTF-8 with no control character but newline;</li>
     * <li>text, then a blank line, then a non-empty signature block ending in a newline: the text is everything up to
     *     and including the newline before the last {@code "\n\n"}, so it always ends in a newline;</li>
     * <li>each signature line {@code "— name base64"} (U+2014, space), name valid (non-empty, no '+', whitespace or
     *     controls), base64 standard and padded, decoding to more than 4 bytes: the big-endian key hash and the
     *     signature; at most {@link #MAX_SIGNATURES} lines;</li>
     * <li>no two lines for the same name and key hash (x/mod silently drops repeats; a well-formed note never has
     *     them, so they are refused).</li>
     * </ul>
     * Those failures throw a plain FormatException. Then, against {@code known}: a line whose name and key hash match a
     * known verifier must verify, else {@link SumdbException.Kind#BAD_SIGNATURE} (a forgery is never ignored); lines of
     * unknown keys are kept in {@link #unverified()}; at least one line must be verified, else
     * {@link SumdbException.Kind#UNKNOWN_KEY}.
     */
    public static Note open(byte[] msg, Collection<Verifier> known) throws FormatException {
        if (msg == null) {
            throw new FormatException("note is missing");
        }
        if (msg.length > MAX_SIZE) {
            throw new FormatException("malformed note: larger than " + MAX_SIZE + " bytes");
        }
        String all;
        try {
            all = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(msg))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException("malformed note: not valid UTF-8");
        }
        for (int i = 0; i < all.length(); i++) {
            char c = all.charAt(i);
            if (c < 0x20 && c != '\n') {
                throw new FormatException("malformed note: control character U+" + String.format("%04X", (int) c));
            }
        }
        int split = all.lastIndexOf("\n\n");
        if (split < 0) {
            throw new FormatException("malformed note: no blank line before the signatures");
        }
        String text = all.substring(0, split + 1);
        String sigs = all.substring(split + 2);
        if (sigs.isEmpty() || sigs.charAt(sigs.length() - 1) != '\n') {
            throw new FormatException("malformed note: signature block missing or not ending in a newline");
        }
        Map<String, Verifier> byKey = new HashMap<>();
        if (known != null) {
            for (Verifier v : known) {
                Verifier old = byKey.put(v.name() + "+" + v.keyHash(), v);
                if (old != null && !old.equals(v)) {
                    throw new FormatException("ambiguous verifiers: two keys named " + quote(v.name())
                            + " with key hash " + Keys.hex(v.keyHash()));
                }
            }
        }
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        List<Signature> verified = new ArrayList<>();
        List<Signature> unverified = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int count = 0;
        for (String line : sigs.substring(0, sigs.length() - 1).split("\n", -1)) {
            if (++count > MAX_SIGNATURES) {
                throw new FormatException("malformed note: more than " + MAX_SIGNATURES + " signatures");
            }
            if (!line.startsWith(SIG_PREFIX)) {
                throw new FormatException(
                        "malformed note: signature line " + quote(line) + " does not start with " + "\"\\u2014 \"");
            }
            String rest = line.substring(SIG_PREFIX.length());
            int sp = rest.indexOf(' ');
            String name = sp < 0 ? rest : rest.substring(0, sp);
            String b64 = sp < 0 ? "" : rest.substring(sp + 1);
            if (!Keys.isValidName(name) || b64.isEmpty()) {
                throw new FormatException(
                        "malformed note: signature line " + quote(line) + " is not \"\\u2014 name " + "base64\"");
            }
            byte[] raw = Keys.decodeCanonical(b64);
            if (raw == null) {
                throw new FormatException("malformed note: signature line " + quote(line) + " has bad base64");
            }
            if (raw.length < 5) {
                throw new FormatException("malformed note: signature line " + quote(line) + " is too short");
            }
            int hash = ByteBuffer.wrap(raw, 0, 4).getInt();
            if (!seen.add(name + "+" + hash)) {
                throw new FormatException("malformed note: two signatures by " + quote(name) + "+" + Keys.hex(hash));
            }
            Signature s = new Signature(name, hash, b64);
            Verifier v = byKey.get(name + "+" + hash);
            if (v == null) {
                unverified.add(s);
                continue;
            }
            if (!v.verify(textBytes, Arrays.copyOfRange(raw, 4, raw.length))) {
                throw new SumdbException(
                        SumdbException.Kind.BAD_SIGNATURE,
                        "invalid signature for key " + quote(name) + "+" + Keys.hex(hash));
            }
            verified.add(s);
        }
        if (verified.isEmpty()) {
            StringBuilder names = new StringBuilder();
            for (Signature s : unverified) {
                names.append(names.isEmpty() ? "" : ", ")
                        .append(quote(s.name()))
                        .append('+')
                        .append(Keys.hex(s.keyHash()));
            }
            throw new SumdbException(
                    SumdbException.Kind.UNKNOWN_KEY,
                    "note has no signature by a known key (signed " + "by " + names + ")");
        }
        return new Note(text, verified, unverified);
    }

    /**
     * note.Sign for a new note: {@code text} (which must end in a newline, be valid for {@link #open}: no control
     * character but newline, and leave the message within {@link #MAX_SIZE}) followed by a blank line and one
     * signature line per signer, in order. Signers must have distinct name and key hash.
     */
    public static byte[] sign(String text, Signer... signers) throws FormatException {
        if (text == null || !text.endsWith("\n")) {
            throw new FormatException("note text must end in a newline");
        }
        if (signers.length == 0 || signers.length > MAX_SIGNATURES) {
            throw new FormatException("a note needs 1 to " + MAX_SIGNATURES + " signers");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' || Character.isSurrogate(c) && !validSurrogate(text, i)) {
                throw new FormatException("note text has a control character or invalid UTF-16 at offset " + i);
            }
        }
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(text).append('\n');
        Set<String> seen = new HashSet<>();
        for (Signer s : signers) {
            if (!seen.add(s.name() + "+" + s.keyHash())) {
                throw new FormatException("two signers named " + quote(s.name()) + " with the same key hash");
            }
            byte[] sig = s.sign(textBytes);
            byte[] raw = ByteBuffer.allocate(4 + sig.length)
                    .putInt(s.keyHash())
                    .put(sig)
                    .array();
            b.append(SIG_PREFIX)
                    .append(s.name())
                    .append(' ')
                    .append(Base64.getEncoder().encodeToString(raw))
                    .append('\n');
        }
        byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
        if (out.length > MAX_SIZE) {
            throw new FormatException("signed note would be larger than " + MAX_SIZE + " bytes");
        }
        return out;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
