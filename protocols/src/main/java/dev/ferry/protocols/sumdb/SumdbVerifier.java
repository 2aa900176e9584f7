package dev.ferry.protocols.sumdb;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.SumdbException.Kind;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.TileHashReader;
import dev.ferry.protocols.sumdb.tlog.TileReader;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * What the go command's sumdb client checks, as pure functions of their inputs: the signature of a tree head, its
 * consistency with the tree the caller already trusts, and a record's inclusion in a signed tree. State (the trusted
 * tree) and transport (tiles) belong to the caller; see {@link TileReader}.
 *
 * <p>Every hash taken from tiles is authenticated by recomputing a signed tree hash from tile data alone, before it is
 * compared with anything the response claims. So a mismatch with the signed hash means bad tiles
 * ({@link Kind#BAD_PROOF}); a mismatch after that means the database contradicts itself ({@link
 * Kind#INCONSISTENT_TREE}, {@link Kind#RECORD_MISMATCH}).
 */
public final class SumdbVerifier {
    private final Verifier verifier;

    public SumdbVerifier(Verifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    public Verifier verifier() {
        return verifier;
    }

    /**
     * The outcome of checking a served tree head: {@code trusted} is the tree to trust from now on (the larger of the
     * previously trusted tree and the served one, which are proven consistent); {@code served} is the signed tree the
     * database sent, to persist when {@code served.tree().equals(trusted)}.
     */
    public record TreeCheck(Tree trusted, SignedTree served) {
        /** Whether the served tree is newer than the tree trusted before, so it should replace it in storage. */
        public boolean advanced(Tree before) {
            return before == null || trusted.size() > before.size();
        }
    }

    /** A verified lookup: the record (both h1 hashes), its id, and the tree state after the check. */
    public record Verified(GoSumRecord record, long recordId, TreeCheck tree) {
        public String zipHash() {
            return record.zipHash();
        }

        public String goModHash() {
            return record.goModHash();
        }
    }

    /**
     * Checks a {@code /latest} note against the trusted tree (null or size 0: none yet, trust on first use as the go
     * command does). The note must be signed by our key. Then:
     * <ul>
     * <li>same size as trusted: the hashes must be equal;</li>
     * <li>larger: a consistency proof from trusted to served, computed from tiles of the served tree, must hold;</li>
     * <li>smaller (a stale replica or a rollback): a consistency proof from served to trusted, from tiles of the
     *     trusted tree, must hold, and the trusted tree stays.</li>
     * </ul>
     * Throws SumdbException; IOException only from {@code tiles}.
     */
    public TreeCheck verifyTree(byte[] note, Tree trusted, TileReader tiles) throws SumdbException, IOException {
        SignedTree served = SignedTree.open(note, verifier);
        return new TreeCheck(reconcile(trusted, served.tree(), tiles), served);
    }

    /**
     * Verifies the response {@code body} to {@link Lookup#path(ModulePath, Version)}: it parses strictly
     * ({@link Lookup#parse}; the record must be for exactly {@code path@version}, see {@link GoSumRecord#parse}),
     * its note is checked as in {@link #verifyTree}, and the record's inclusion is proven: record id below the size
     * of the served tree (or, failing that, of the larger trusted tree), the inclusion proof computed from tiles of
     * that tree leading to its signed hash, and the record hash of the text equal to the logged one.
     */
    public Verified verifyLookup(ModulePath path, Version version, byte[] body, Tree trusted, TileReader tiles)
            throws SumdbException, IOException {
        Lookup lookup;
        GoSumRecord record;
        try {
            lookup = Lookup.parse(body);
            record = lookup.record(path, version);
        } catch (FormatException e) {
            throw new SumdbException(
                    Kind.MALFORMED, "lookup " + quote(path + "@" + version) + ": " + e.getMessage(), e);
        }
        TreeCheck check = verifyTree(lookup.signedNote(), trusted, tiles);
        Tree served = check.served().tree();
        Tree in = lookup.id() < served.size() ? served : check.trusted();
        if (lookup.id() >= in.size()) {
            throw new SumdbException(
                    Kind.MALFORMED,
                    "lookup " + quote(path + "@" + version) + ": record " + lookup.id()
                            + " is beyond the signed tree of size " + in.size());
        }
        TileHashReader r = new TileHashReader(in.size(), tiles);
        try {
            List<Hash> proof = Tlog.recordProof(lookup.id(), in.size(), r);
            Hash logged = r.subtree(0, lookup.id());
            if (!Tlog.recordProofRoot(proof, in.size(), lookup.id(), logged).equals(in.hash())) {
                throw new SumdbException(
                        Kind.BAD_PROOF,
                        "tiles for tree " + in.size() + " do not lead to its signed hash (inclusion of record "
                                + lookup.id() + ")");
            }
            if (!Tlog.recordHash(lookup.recordText().getBytes(StandardCharsets.UTF_8))
                    .equals(logged)) {
                throw new SumdbException(
                        Kind.RECORD_MISMATCH,
                        "lookup " + quote(path + "@" + version) + ": record " + lookup.id()
                                + " served differs from the one in the log of size " + in.size());
            }
        } catch (SumdbException e) {
            throw e;
        } catch (FormatException e) {
            throw new SumdbException(Kind.MALFORMED, "tiles for tree " + in.size() + ": " + e.getMessage(), e);
        }
        tiles.verified(r.tilesRead());
        return new Verified(record, lookup.id(), check);
    }

    private static Tree reconcile(Tree trusted, Tree served, TileReader tiles) throws SumdbException, IOException {
        if (trusted == null || trusted.size() == 0) {
            return served;
        }
        if (served.size() == trusted.size()) {
            if (!served.hash().equals(trusted.hash())) {
                throw new SumdbException(
                        Kind.INCONSISTENT_TREE,
                        "signed tree of size " + served.size() + " has hash " + served.hash()
                                + ", but the trusted one has " + trusted.hash());
            }
            return trusted;
        }
        if (served.size() > trusted.size()) {
            proveConsistent(trusted, served, tiles);
            return served;
        }
        proveConsistent(served, trusted, tiles);
        return trusted;
    }

    /**
     * Proves {@code older} a prefix of {@code newer} with hashes from tiles of the newer tree. The old tree's hash is
     * also taken from tiles (not from {@code older}), so that a wrong newer-tree hash can only mean bad tiles, and a
     * wrong older-tree hash after that can only mean the two signed trees disagree.
     */
    private static void proveConsistent(Tree older, Tree newer, TileReader tiles) throws SumdbException, IOException {
        if (older.size() == 0) {
            return;
        }
        TileHashReader r = new TileHashReader(newer.size(), tiles);
        Tlog.TreeProofRoots roots;
        try {
            List<Hash> proof = Tlog.treeProof(older.size(), newer.size(), r);
            Hash oldFromTiles = Tlog.treeHash(older.size(), r);
            roots = Tlog.treeProofRoots(proof, older.size(), oldFromTiles, newer.size());
        } catch (FormatException e) {
            throw new SumdbException(Kind.MALFORMED, "tiles for tree " + newer.size() + ": " + e.getMessage(), e);
        }
        if (!roots.newRoot().equals(newer.hash())) {
            throw new SumdbException(
                    Kind.BAD_PROOF,
                    "tiles for tree " + newer.size() + " do not lead to its signed hash (consistency with tree "
                            + older.size() + ")");
        }
        if (!roots.oldRoot().equals(older.hash())) {
            throw new SumdbException(
                    Kind.INCONSISTENT_TREE,
                    "signed tree of size " + older.size() + " (hash "
                            + older.hash() + ") is not a prefix of signed tree of size " + newer.size() + " (hash "
                            + newer.hash() + "), which contains " + roots.oldRoot() + " there");
        }
        tiles.verified(r.tilesRead());
    }
}
