package dev.ferry.protocols.bundle;

import java.nio.charset.StandardCharsets;

/**
 * The volume file format ({@code vol-0001.fvol}...). A volume checks itself:
 * <pre>
 * header   "FERRYVOL 1 &lt;bundle id&gt; &lt;n&gt;/&lt;N&gt;\n"
 * records  [u8 flags][u32 BE raw length][u32 BE stored length][stored bytes]     flags bit 0: deflated
 * trailer  "FVOLEND\n" [u64 BE record count] [32 bytes: sha256 of every preceding byte of the file]
 * </pre>
 * A record holds the bytes of one or more consecutive chunks (the manifest says which bytes are which chunk;
 * small chunks are gathered so they compress together). A record's raw length is 1 to {@link #MAX_RECORD}; a stored (not deflated) record has stored length = raw
 * length; a deflated one (java.util.zip.Deflater, zlib wrapper) is used only when it saves at least 1/8 of the raw
 * length, so its stored length is below the raw length. Other flag bits are refused.
 */
public final class Volume {
    /**
     * Largest record: chunks are at most 1 MiB today (fixed chunks) and exporters gather records of about 1 MiB;
     * 4 MiB leaves room without trusting files.
     */
    public static final int MAX_RECORD = 4 << 20;

    public static final int RECORD_HEADER = 9;
    public static final int TRAILER_LENGTH = 8 + 8 + 32;
    static final byte[] TRAILER_MAGIC = "FVOLEND\n".getBytes(StandardCharsets.US_ASCII);
    static final int FLAG_DEFLATED = 1;

    private Volume() {}

    /** The header line of volume {@code n} of {@code total}. */
    public static byte[] header(String id, int n, int total) {
        BundleId.check(id);
        if (n < 1 || n > total || total > BundleNote.MAX_VOLUMES) {
            throw new IllegalArgumentException("volume " + n + " of " + total);
        }
        return ("FERRYVOL 1 " + id + " " + n + "/" + total + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The file name of volume {@code n}: {@code vol-0001.fvol}. */
    public static String fileName(int n) {
        return String.format("vol-%04d.fvol", n);
    }

    /** The most bytes a record of {@code rawLength} takes in a volume (when it is not deflated). */
    public static long maxRecordSize(int rawLength) {
        return RECORD_HEADER + (long) rawLength;
    }

    /** Bytes of a volume that are not records: header and trailer. */
    public static long overhead(String id, int n, int total) {
        return header(id, n, total).length + (long) TRAILER_LENGTH;
    }
}
