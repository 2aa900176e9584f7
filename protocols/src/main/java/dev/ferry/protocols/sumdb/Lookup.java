package dev.ferry.protocols.sumdb;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@code /lookup/<module>@<version>} response: {@code "<record id>\n<record text>\n<signed tree note>"}
 * (tlog.FormatRecord of the record, then the note), the record text ending in a newline so a blank line separates
 * it from the note.
 */
public record Lookup(long id, String recordText, byte[] signedNote) {
    /** Largest response accepted: a record is a few hundred bytes, a tree note a few hundred more. */
    public static final int MAX_SIZE = 64 * 1024;

    public Lookup {
        if (id < 0 || recordText == null || signedNote == null) {
            throw new FormatException("a lookup needs an id >= 0, record text and a signed note");
        }
        signedNote = signedNote.clone();
    }

    @Override
    public byte[] signedNote() {
        return signedNote.clone();
    }

    /**
     * The request path under the database URL: {@code lookup/<escaped path>@<escaped version>}, the escaping that of
     * proxy URLs ({@code !}-case encoding), as the go command sends it.
     */
    public static String path(ModulePath path, Version version) {
        return new LookupPath(path, version).toString();
    }

    /**
     * tlog.ParseRecord, stricter: at most {@link #MAX_SIZE} bytes of valid UTF-8; a first line that is a decimal id
     * (no sign, no leading zeros); then record text up to and including the newline before the first blank line,
     * non-empty and without control characters but newline; then the signed note, non-empty (opened separately).
     */
    public static Lookup parse(byte[] body) throws FormatException {
        if (body == null || body.length > MAX_SIZE) {
            throw new FormatException("malformed lookup response: missing or larger than " + MAX_SIZE + " bytes");
        }
        String s;
        try {
            s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException("malformed lookup response: not valid UTF-8");
        }
        int nl = s.indexOf('\n');
        if (nl < 0) {
            throw new FormatException("malformed lookup response: no record id line");
        }
        String idText = s.substring(0, nl);
        if (idText.isEmpty()
                || idText.length() > 18
                || !idText.chars().allMatch(c -> c >= '0' && c <= '9')
                || idText.length() > 1 && idText.charAt(0) == '0') {
            throw new FormatException("malformed lookup response: record id " + quote(idText) + " is not a number");
        }
        int blank = s.indexOf("\n\n", nl + 1);
        if (blank < 0 || blank == nl) {
            throw new FormatException("malformed lookup response: no blank line after the record");
        }
        String text = s.substring(nl + 1, blank + 1);
        if (text.isEmpty() || text.startsWith("\n")) {
            throw new FormatException("malformed lookup response: empty record");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' || c == 0x7f) {
                throw new FormatException("malformed lookup response: control character in the record");
            }
        }
        int noteStart = s.substring(0, blank + 2).getBytes(StandardCharsets.UTF_8).length;
        byte[] note = Arrays.copyOfRange(body, noteStart, body.length);
        if (note.length == 0) {
            throw new FormatException("malformed lookup response: no signed tree note");
        }
        return new Lookup(Long.parseLong(idText), text, note);
    }

    /** The record text as a go.sum record, checked to be for {@code path@version}. */
    public GoSumRecord record(ModulePath path, Version version) throws FormatException {
        return GoSumRecord.parse(recordText).requireFor(path, version);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lookup l
                && l.id == id
                && l.recordText.equals(recordText)
                && Arrays.equals(l.signedNote, signedNote);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 * 31 + recordText.hashCode() * 31 + Arrays.hashCode(signedNote);
    }

    @Override
    public String toString() {
        return "Lookup[id=" + id + ", record=" + quote(recordText) + ", note=" + signedNote.length + " bytes]";
    }

    /** tlog.FormatRecord of the record, then the note: the bytes {@link #parse} reads. */
    public byte[] format() {
        byte[] head = (id + "\n" + recordText + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(head, head.length + signedNote.length);
        System.arraycopy(signedNote, 0, out, head.length, signedNote.length);
        return out;
    }
}
