package dev.ferry.protocols.sumdb;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.util.Arrays;
import java.util.List;

/** A tree head together with the signed note it came in, which is what to persist and to show as evidence. */
public record SignedTree(Tree tree, byte[] note) {
    public SignedTree {
        if (tree == null || note == null) {
            throw new FormatException("a signed tree needs its tree and note");
        }
        note = note.clone();
    }

    @Override
    public byte[] note() {
        return note.clone();
    }

    /**
     * Opens a signed tree note ({@code /latest}, or the note in a lookup response): {@link Note#open} with
     * {@code verifier} as the only known key, then {@link Tree#parseNote} of its text. Every failure is a
     * SumdbException: MALFORMED for format errors, UNKNOWN_KEY or BAD_SIGNATURE from the signature check.
     */
    public static SignedTree open(byte[] note, Verifier verifier) throws SumdbException {
        try {
            Note n = Note.open(note, List.of(verifier));
            return new SignedTree(Tree.parseNote(n.text()), note);
        } catch (SumdbException e) {
            throw e;
        } catch (FormatException e) {
            throw new SumdbException(SumdbException.Kind.MALFORMED, "signed tree note: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedTree s && s.tree.equals(tree) && Arrays.equals(s.note, note);
    }

    @Override
    public int hashCode() {
        return tree.hashCode() * 31 + Arrays.hashCode(note);
    }

    @Override
    public String toString() {
        return "SignedTree[" + tree.size() + " " + tree.hash() + "]";
    }
}
