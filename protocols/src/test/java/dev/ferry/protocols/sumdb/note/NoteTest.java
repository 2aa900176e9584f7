package dev.ferry.protocols.sumdb.note;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.Fixture;
import dev.ferry.protocols.sumdb.SumdbException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NoteTest {
    // The example key and note of golang.org/x/mod/sumdb/note's documentation: a signature made by Go.
    static final String PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    static final String PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    static final String PETER_TEXT = "If you think cryptography is the answer to your problem,\n"
            + "then you don't know what your problem is.\n";
    static final String PETER_NOTE =
            PETER_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
                    + "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    private static final Signer SIGNER = Signer.generate("test.example/db");
    private static final Signer OTHER = Signer.generate("other.example");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void goReferenceVector() {
        Verifier v = Verifier.parse(PETER_VKEY);
        assertEquals("PeterNeumann", v.name());
        assertEquals(0xc74f20a3, v.keyHash());
        assertEquals(PETER_VKEY, v.encoded());
        Signer s = Signer.parse(PETER_SKEY);
        assertEquals(v, s.verifier());
        assertEquals(PETER_SKEY, s.encodedPrivateKey());
        assertEquals(
                PETER_NOTE,
                new String(Note.sign(PETER_TEXT, s), StandardCharsets.UTF_8),
                "Ed25519 is deterministic, so signing reproduces Go's note byte for byte");
        Note n = Note.open(utf8(PETER_NOTE), List.of(v));
        assertEquals(PETER_TEXT, n.text());
        assertEquals(1, n.signatures().size());
        assertEquals(0xc74f20a3, n.signatures().get(0).keyHash());
        assertFalse(s.toString().contains("AYEK"), "toString never shows the private key");
    }

    @Test
    void fixtureTreeHeadVerifies() throws Exception {
        Verifier v = Verifier.parse(Fixture.verifierKey());
        assertEquals("sum.fixture.example", v.name());
        Note n = Note.open(Files.readAllBytes(Fixture.sumdb().resolve("latest")), List.of(v));
        assertTrue(n.text().startsWith("go.sum database tree\n81\n"));
    }

    @Test
    void sumGolangOrgKeyParses() {
        // The key cmd/go builds in (modfetch knownGOSUMDB).
        Verifier v = Verifier.parse("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8");
        assertEquals("sum.golang.org", v.name());
        assertEquals(0x033de0ae, v.keyHash());
        // A mangled copy: 46 base64 characters cannot be 33 bytes; Java's lenient decoder would take them unpadded.
        assertThrows(
                FormatException.class,
                () -> Verifier.parse("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ahjzgwn8HmovCvjkvE"));
        // Unpadded and non-canonical spellings of a valid key.
        assertThrows(
                FormatException.class, () -> Verifier.parse(PETER_VKEY.substring(0, PETER_VKEY.length() - 4) + "0TW"));
        assertThrows(
                FormatException.class, () -> Verifier.parse(PETER_VKEY.substring(0, PETER_VKEY.length() - 1) + "X"));
    }

    @Test
    void generatedKeysRoundTrip() {
        Signer back = Signer.parse(SIGNER.encodedPrivateKey());
        assertEquals(SIGNER.verifier(), back.verifier());
        assertEquals(SIGNER.verifier(), Verifier.parse(SIGNER.verifier().encoded()));
        byte[] msg = Note.sign("hello\n", SIGNER, OTHER);
        Note n = Note.open(msg, List.of(SIGNER.verifier()));
        assertEquals(1, n.signatures().size());
        assertEquals(
                List.of("other.example"),
                n.unverified().stream().map(Note.Signature::name).toList());
        assertEquals(
                2,
                Note.open(msg, List.of(SIGNER.verifier(), OTHER.verifier()))
                        .signatures()
                        .size());
    }

    @Test
    void forgedSignatureIsRefusedEvenNextToAGoodOne() {
        byte[] good = Note.sign("go.sum database tree\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", SIGNER);
        String s = new String(good, StandardCharsets.UTF_8);
        // Same text, other tree size: the signature no longer matches the text.
        String forged = s.replace("\n5\n", "\n6\n");
        SumdbException e =
                assertThrows(SumdbException.class, () -> Note.open(utf8(forged), List.of(SIGNER.verifier())));
        assertEquals(SumdbException.Kind.BAD_SIGNATURE, e.kind());
        // Signature bytes altered.
        int at = s.lastIndexOf(' ') + 10;
        String flipped = s.substring(0, at) + (s.charAt(at) == 'A' ? 'B' : 'A') + s.substring(at + 1);
        assertEquals(
                SumdbException.Kind.BAD_SIGNATURE,
                assertThrows(SumdbException.class, () -> Note.open(utf8(flipped), List.of(SIGNER.verifier())))
                        .kind());
        // A forged line for our key next to a valid one from another key still fails.
        String both = new String(
                        Note.sign("go.sum database tree\n6\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", OTHER),
                        StandardCharsets.UTF_8)
                + s.substring(s.indexOf('\u2014'));
        assertEquals(
                SumdbException.Kind.BAD_SIGNATURE,
                assertThrows(
                                SumdbException.class,
                                () -> Note.open(utf8(both), List.of(SIGNER.verifier(), OTHER.verifier())))
                        .kind());
    }

    @Test
    void wrongOrUnknownKeysLeaveNoVerifiedSignature() {
        byte[] msg = Note.sign("hello\n", SIGNER);
        // Another key with the same name (so another key hash), and another name.
        Verifier sameName = Signer.generate("test.example/db").verifier();
        assertNotEquals(sameName.keyHash(), SIGNER.keyHash());
        for (Verifier v : List.of(sameName, OTHER.verifier())) {
            SumdbException e = assertThrows(SumdbException.class, () -> Note.open(msg, List.of(v)));
            assertEquals(SumdbException.Kind.UNKNOWN_KEY, e.kind());
        }
        assertEquals(
                SumdbException.Kind.UNKNOWN_KEY,
                assertThrows(SumdbException.class, () -> Note.open(msg, List.of()))
                        .kind());
        // Our key's name with another key hash: unknown, not a forgery.
        String renamed = new String(msg, StandardCharsets.UTF_8);
        String line = renamed.substring(renamed.indexOf('\u2014'));
        byte[] raw = Base64.getDecoder()
                .decode(line.substring(line.lastIndexOf(' ') + 1).strip());
        raw[0] ^= 1;
        String other = renamed.substring(0, renamed.indexOf('\u2014')) + "\u2014 test.example/db "
                + Base64.getEncoder().encodeToString(raw) + "\n";
        assertEquals(
                SumdbException.Kind.UNKNOWN_KEY,
                assertThrows(SumdbException.class, () -> Note.open(utf8(other), List.of(SIGNER.verifier())))
                        .kind());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "hello\n", // no signatures
                "hello\n\n", // empty signature block
                "hello\n\n\u2014 test.example/db AAAAAAAAAAAAAAAA", // no final newline
                "hello\n\n- test.example/db AAAAAAAAAAAAAAAA\n", // hyphen, not em dash
                "hello\n\n\u2014test.example/db AAAAAAAAAAAAAAAA\n", // no space after the dash
                "hello\n\n\u2014 test.example/db\n", // no signature
                "hello\n\n\u2014 test.example/db \n", // empty signature
                "hello\n\n\u2014 test.example/db AAAAAAAAAAAAAAAA!\n", // bad base64
                "hello\n\n\u2014 test.example/db AAAA\n", // too short (3 bytes)
                "hello\n\n\u2014 test.example/db AAAAAAAA\n", // 6 bytes: ok length, unknown key... see below
                "hello\n\n\u2014 test+example AAAAAAAAAAAAAAAA\n", // '+' in name
                "hello\n\n\u2014 test.example/db AAAAAAAAAAAAAAAA extra\n", // trailing field
                "hello\n\n\u2014  AAAAAAAAAAAAAAAA\n", // empty name
                "hello\n\n\u2014 a AAAAAAAAAAAAAAAA\n\u2014 a AAAAAAAAAAAAAAAA\n", // duplicate
                "hel\tlo\n\n\u2014 a AAAAAAAAAAAAAAAA\n", // control character in text
                "hello\r\n\n\u2014 a AAAAAAAAAAAAAAAA\n", // CR
                "hello\n\n\u2014 a AAAAAAAAAAAAAAAA\n\n", // blank line after signatures
            })
    void malformedNotesAreRefused(String msg) {
        FormatException e = assertThrows(FormatException.class, () -> Note.open(utf8(msg), List.of(SIGNER.verifier())));
        if (e instanceof SumdbException s) {
            assertEquals(SumdbException.Kind.UNKNOWN_KEY, s.kind(), msg); // well-formed, just not ours
        }
    }

    @Test
    void tooLargeAndInvalidUtf8AreRefused() {
        String big = "x".repeat(Note.MAX_SIZE) + "\n";
        assertThrows(FormatException.class, () -> Note.sign(big, SIGNER));
        byte[] huge = Note.sign("x\n", SIGNER);
        byte[] padded = new byte[Note.MAX_SIZE + 1];
        System.arraycopy(huge, 0, padded, padded.length - huge.length, huge.length);
        java.util.Arrays.fill(padded, 0, padded.length - huge.length, (byte) 'x');
        FormatException e = assertThrows(FormatException.class, () -> Note.open(padded, List.of(SIGNER.verifier())));
        assertFalse(e instanceof SumdbException);
        byte[] bad = Note.sign("caf\u00e9\n", SIGNER);
        bad[3] = (byte) 0xff;
        assertThrows(FormatException.class, () -> Note.open(bad, List.of(SIGNER.verifier())));
        assertThrows(FormatException.class, () -> Note.sign("no newline", SIGNER));
        assertThrows(FormatException.class, () -> Note.sign("tab\there\n", SIGNER));
        assertThrows(FormatException.class, () -> Note.open(null, List.of()));
    }

    @Test
    void tooManySignaturesAreRefused() {
        StringBuilder b = new StringBuilder(new String(Note.sign("x\n", SIGNER), StandardCharsets.UTF_8));
        for (int i = 0; i < Note.MAX_SIGNATURES; i++) {
            b.append("\u2014 k").append(i).append(" AAAAAAAAAAAAAAAA\n");
        }
        assertThrows(FormatException.class, () -> Note.open(utf8(b.toString()), List.of(SIGNER.verifier())));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "PeterNeumann",
                "PeterNeumann+c74f20a3",
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // wrong hash
                "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // 7 digits
                "PeterNeumann+0c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // 9 digits
                "PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // other name
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // space
                "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // empty name
                "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", // bad base64
                "PeterNeumann+c74f20a3+",
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", // key too long, hash fits
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // algorithm 0x65, hash fits
                PETER_SKEY
            })
    void badVerifierKeysAreRefused(String key) {
        assertThrows(FormatException.class, () -> Verifier.parse(key));
    }

    @Test
    void badPrivateKeysAreRefusedWithoutQuotingThem() {
        for (String k : new String[] {
            PETER_VKEY,
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD=="
        }) {
            FormatException e = assertThrows(FormatException.class, () -> Signer.parse(k));
            assertFalse(e.getMessage().contains("AYEKFALV"), e.getMessage());
        }
        assertThrows(FormatException.class, () -> Signer.generate("a+b"));
        assertThrows(FormatException.class, () -> Signer.generate("a\u0000b"));
        assertThrows(FormatException.class, () -> Signer.generate("a\u00a0b"));
    }

    @Test
    void duplicateSignersAndKeysAreRefused() {
        assertThrows(FormatException.class, () -> Note.sign("x\n", SIGNER, SIGNER));
        byte[] msg = Note.sign("x\n", SIGNER);
        assertArrayEquals(msg, Note.sign("x\n", Signer.parse(SIGNER.encodedPrivateKey())));
    }
}
