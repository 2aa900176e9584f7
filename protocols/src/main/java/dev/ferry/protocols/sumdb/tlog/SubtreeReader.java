package dev.ferry.protocols.sumdb.tlog;

import java.io.IOException;

/** Source of complete-subtree hashes, the only input the proof and tree-hash functions of {@link Tlog} need. */
@FunctionalInterface
public interface SubtreeReader {
    /**
     * The hash of the complete subtree of {@code 2^level} records starting at record {@code n * 2^level} (for level 0,
     * the record hash of record n). Throws FormatException (or SumdbException) for bad underlying data.
     */
    Hash subtree(int level, long n) throws IOException;
}
