package dev.ferry.storage;

import java.util.zip.CRC32C;

/**
 * A chunk's CRC32C, kept in every index entry and one-chunk object record that points at the chunk, so a read checks
 * the bytes it got in Java instead of asking RocksDB to: the RocksDB JNI build computes CRC32C in software (about
 * 1 GB per CPU second; its LOG says "Fast CRC32 supported: Not supported on x86"), and a blob file's record carries
 * one over every chunk stored there, while the JDK's CRC32C uses the CPU's instructions (tens of GB per CPU second).
 * The check guards against the same thing as RocksDB's, bytes damaged on disk, and catches more: a chunk damaged
 * before RocksDB checksummed it no longer matches the value its writer computed.
 *
 * <p>Entries written before the checksum existed, or by a writer that did not have the chunk's bytes, carry none
 * ({@link #NONE}); their reads keep RocksDB's check.
 */
final class ChunkChecksum {
    private ChunkChecksum() {}

    /** No checksum recorded: read with RocksDB's verification on. */
    static final long NONE = -1;

    /** The CRC32C of {@code len} bytes of {@code b} from {@code off}, as an unsigned value. */
    static long of(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        return crc.getValue();
    }

    static long of(byte[] b) {
        return of(b, 0, b.length);
    }
}
