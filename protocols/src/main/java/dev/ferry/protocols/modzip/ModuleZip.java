package dev.ferry.protocols.modzip;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.FilePath;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The module zip rules (golang.org/x/mod/zip CheckZip) applied to a zip read once, front to back,
 * in bounded memory, so it can check bytes while they stream from an upstream into the store.
 *
 * <p>Reading front to back means trusting nothing until it is confirmed twice: every entry is inflated to learn
 * its real CRC-32, size and SHA-256, those are compared with its local header or data descriptor, and then the
 * central directory and end record, read last, must describe exactly the entries seen, at exactly the offsets they
 * were seen at. A zip whose central directory disagrees with its local entries is refused, because tools that read
 * only one of the two (the go command reads the central directory) would see different files.
 */
public final class ModuleZip {
    public static final long MAX_ZIP_FILE = 500L << 20;
    public static final long MAX_GO_MOD = 16L << 20;
    public static final long MAX_LICENSE = 16L << 20;
    /**
     * Most entries accepted. x/mod has no limit, but this check keeps metadata for every entry until the central
     * directory confirms it; the largest real modules have tens of thousands of files.
     */
    public static final int MAX_ENTRIES = 100_000;
    /** Most bytes of entry names accepted in total, for the same reason as {@link #MAX_ENTRIES}. */
    public static final long MAX_NAME_BYTES = 16L << 20;

    private static final int LOCAL_SIG = 0x04034b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int END_SIG = 0x06054b50;
    private static final int DESCRIPTOR_SIG = 0x08074b50;
    private static final int ZIP64_END_SIG = 0x06064b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;

    private static final int FLAG_ENCRYPTED = 0x1;
    private static final int FLAG_DESCRIPTOR = 0x8;
    private static final int FLAG_STRONG_ENCRYPTION = 0x40;
    private static final int FLAG_MASKED_HEADERS = 0x2000;

    private ModuleZip() {}

    /**
     * What a valid zip holds: file count (directory entries excluded), total uncompressed size, whether it has a
     * go.mod at its root, and every entry in central directory order (the order the go command's zip reader
     * and dirhash.HashZip see), directory entries included.
     */
    public record ZipSummary(int files, long uncompressedSize, boolean hasGoMod, List<Entry> entries) {
        public ZipSummary {
            entries = List.copyOf(entries);
        }

        /** A summary without entries, for callers that only know the totals. */
        public ZipSummary(int files, long uncompressedSize, boolean hasGoMod) {
            this(files, uncompressedSize, hasGoMod, List.of());
        }
    }

    /**
     * One zip entry: its full name as stored ({@code path@version/file}, as dirhash.HashZip hashes it), its
     * uncompressed size, and the lower-case hex SHA-256 of its uncompressed content.
     */
    public record Entry(String name, long size, String sha256) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /**
     * Reads {@code in} to its end and checks it is a valid zip of {@code path@version}.
     * Throws FormatException naming the first broken rule; IOException only for the stream's own failures.
     *
     * <p>The module (x/mod zip.CheckZip's preconditions): {@code version} must be canonical and its major must fit
     * {@code path} (ModulePath#checkMajor).
     *
     * <p>The container, which x/mod leaves to Go's archive/zip and which is stricter here because it is read
     * front to back:
     * <ul>
     * <li>at most {@link #MAX_ZIP_FILE} bytes;</li>
     * <li>local entries from offset 0, back to back, then the central directory, then the end record and its
     *     comment, then nothing (no prefixed or trailing bytes, no gaps, so no overlapping entries);</li>
     * <li>no ZIP64 entries or extra fields (a valid module zip is under 4 GiB, so no entry needs them); a ZIP64 end
     *     record and locator are accepted, exact, because Go's writer adds them to zips of 65535 or more entries;
     *     no multi-disk archives, no encryption, compression method store (0) or deflate (8) only;</li>
     * <li>a deflate stream ends exactly where the entry's compressed size says; a data descriptor (flag bit 3),
     *     with or without its signature, follows deflated data; a stored entry with a data descriptor must give
     *     its size in the local header;</li>
     * <li>each entry's real CRC-32, compressed and uncompressed sizes equal those in its local header (when it has
     *     no data descriptor), in its data descriptor, and in its central directory record; the central directory
     *     has the same names, methods and flags, one record per local entry at that entry's offset, and the end
     *     record's counts, size and offset are exact;</li>
     * <li>at most {@link #MAX_ENTRIES} entries and {@link #MAX_NAME_BYTES} bytes of names; names are UTF-8;</li>
     * <li>no symbolic links or other irregular files (Unix mode in the external attributes), no directory entry
     *     with content.</li>
     * </ul>
     *
     * <p>The names and sizes (x/mod checkZip):
     * <ul>
     * <li>every name starts with {@code path@version/}, module path and version unescaped (as x/mod writes them);
     *     the entry named exactly that is ignored;</li>
     * <li>the rest, with a directory's trailing slash removed, is clean (no empty, "." or ".." elements) and passes
     *     {@link FilePath#check};</li>
     * <li>no two names are equal under Unicode case folding, no name is both a file and a directory (including
     *     implied parent directories), no file appears twice;</li>
     * <li>a file named go.mod in any case is only at the root and only spelled "go.mod";</li>
     * <li>the total uncompressed size is at most {@link #MAX_ZIP_FILE}, go.mod and LICENSE at most
     *     {@link #MAX_GO_MOD} and {@link #MAX_LICENSE}.</li>
     * </ul>
     */
    public static ZipSummary check(InputStream in, ModulePath path, Version version)
            throws IOException, FormatException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(version, "version");
        if (!version.isCanonical()) {
            throw new FormatException("version " + quote(version.toString()) + " is not canonical (should be "
                    + quote(version.canonical().toString()) + ")");
        }
        path.checkMajor(version);
        return new Checker(new ByteSource(in, MAX_ZIP_FILE), path + "@" + version + "/").run();
    }

    /** What the local pass learned about one entry, kept until the central directory confirms it. */
    private record Seen(
            byte[] rawName,
            String name,
            long offset,
            int method,
            int flags,
            long crc,
            long compressed,
            long size,
            String sha256,
            boolean isDir) {}

    private static final class Checker {
        private final ByteSource src;
        private final String prefix;
        private final List<Seen> seen = new ArrayList<>();
        private final Map<Long, Integer> byOffset = new HashMap<>();
        private final Map<String, String[]> folded = new HashMap<>();
        private final Inflater inflater = new Inflater(true);
        private final CRC32 crc = new CRC32();
        private final MessageDigest sha;
        private final byte[] out = new byte[64 * 1024];
        private long nameBytes;
        private long totalSize;
        private int files;
        private boolean hasGoMod;

        Checker(ByteSource src, String prefix) {
            this.src = src;
            this.prefix = prefix;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        ZipSummary run() throws IOException {
            try {
                int sig = signature();
                while (sig == LOCAL_SIG) {
                    localEntry();
                    sig = signature();
                }
                long cdStart = src.offset() - 4;
                int count = 0;
                boolean[] confirmed = new boolean[seen.size()];
                List<Entry> entries = new ArrayList<>(seen.size());
                while (sig == CENTRAL_SIG) {
                    Seen s = centralEntry(confirmed);
                    entries.add(new Entry(s.name(), s.size(), s.sha256()));
                    count++;
                    sig = signature();
                }
                long cdEnd = src.offset() - 4;
                if (count != seen.size()) {
                    throw new FormatException(
                            "central directory lists " + count + " entries but the zip holds " + seen.size());
                }
                boolean zip64 = false;
                if (sig == ZIP64_END_SIG) {
                    zip64End(count, cdStart, cdEnd);
                    sig = signature();
                    if (sig != ZIP64_LOCATOR_SIG) {
                        throw new FormatException("ZIP64 end record is not followed by its locator");
                    }
                    zip64Locator(cdEnd);
                    sig = signature();
                    zip64 = true;
                } else if (sig == ZIP64_LOCATOR_SIG) {
                    throw new FormatException("ZIP64 locator without a ZIP64 end record");
                }
                if (sig != END_SIG) {
                    throw unexpected(sig, src.offset() - 4);
                }
                end(count, cdStart, cdEnd, zip64);
                return new ZipSummary(files, totalSize, hasGoMod, entries);
            } finally {
                inflater.end();
            }
        }

        private int signature() throws IOException {
            if (src.ensure(4) < 4) {
                if (src.buffered() == 0 && seen.isEmpty() && src.offset() == 0) {
                    throw new FormatException("not a zip file: empty");
                }
                throw new FormatException(
                        "zip file truncated at offset " + src.offset() + " (missing end of central directory record)");
            }
            int at = src.require(4, "signature");
            return (int) src.u32(at);
        }

        private static FormatException unexpected(int sig, long offset) {
            return new FormatException(String.format(
                    "not a valid zip file: unexpected bytes %08x at offset %d "
                            + "(want a local file header, central directory or end record)",
                    sig, offset));
        }

        private void localEntry() throws IOException {
            long offset = src.offset() - 4;
            if (seen.size() >= MAX_ENTRIES) {
                throw new FormatException("zip has more than " + MAX_ENTRIES + " entries");
            }
            int h = src.require(26, "local file header");
            int flags = src.u16(h + 2);
            int method = src.u16(h + 4);
            long crcField = src.u32(h + 10);
            long csize = src.u32(h + 14);
            long usize = src.u32(h + 18);
            int nameLen = src.u16(h + 22);
            int extraLen = src.u16(h + 24);
            byte[] rawName = src.bytes(nameLen, "file name");
            byte[] extra = src.bytes(extraLen, "extra field");
            String name = decodeName(rawName);
            nameBytes += nameLen;
            if (nameBytes > MAX_NAME_BYTES) {
                throw new FormatException("zip entry names total more than " + MAX_NAME_BYTES + " bytes");
            }
            if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) != 0) {
                throw entryError(name, "encrypted entries are not allowed");
            }
            if (method != 0 && method != 8) {
                throw entryError(name, "compression method " + method + " is not allowed (want store or deflate)");
            }
            if (csize == 0xffffffffL || usize == 0xffffffffL || hasZip64Extra(extra)) {
                throw entryError(
                        name, "ZIP64 entries are not supported (a module zip is never large enough to " + "need them)");
            }
            boolean isDir = checkName(name);
            boolean descriptor = (flags & FLAG_DESCRIPTOR) != 0;

            long limit = entryLimit(name);
            crc.reset();
            sha.reset();
            long size;
            long compressed;
            if (method == 0) {
                if (descriptor && csize == 0 && usize != 0) {
                    throw entryError(name, "stored entry with a data descriptor does not give its size");
                }
                compressed = csize;
                size = copyStored(name, csize, limit);
            } else {
                long[] r = inflate(name, descriptor ? -1 : csize, limit);
                compressed = r[0];
                size = r[1];
            }
            long actualCrc = crc.getValue();
            if (!descriptor) {
                compare(name, "local header", crcField, csize, usize, actualCrc, compressed, size);
            } else {
                try {
                    descriptor(name, actualCrc, compressed, size);
                } catch (FormatException e) {
                    if (method == 0 && csize == 0) {
                        // Most likely the data was not empty: the reader cannot know where stored data ends.
                        throw entryError(
                                name,
                                "stored entry with a data descriptor does not give its size in the " + "local header ("
                                        + e.getMessage() + ")");
                    }
                    throw e;
                }
            }
            totalSize += size;
            if (isDir && size != 0) {
                throw entryError(name, "directory entry has content");
            }
            String sha256 = HexFormat.of().formatHex(sha.digest());
            byOffset.put(offset, seen.size());
            seen.add(new Seen(rawName, name, offset, method, flags, actualCrc, compressed, size, sha256, isDir));
        }

        /** The most bytes this entry may inflate to before a rule is broken, so bombs stop early. */
        private long entryLimit(String name) {
            long remaining = MAX_ZIP_FILE - totalSize;
            if (name.equals(prefix + "go.mod")) {
                return Math.min(remaining, MAX_GO_MOD);
            }
            if (name.equals(prefix + "LICENSE")) {
                return Math.min(remaining, MAX_LICENSE);
            }
            return remaining;
        }

        private FormatException limitError(String name) {
            if (name.equals(prefix + "go.mod")) {
                return entryError(name, "go.mod file too large (max size is " + MAX_GO_MOD + " bytes)");
            }
            if (name.equals(prefix + "LICENSE")) {
                return entryError(name, "LICENSE file too large (max size is " + MAX_LICENSE + " bytes)");
            }
            return new FormatException(
                    "total uncompressed size of module contents too large (max size is " + MAX_ZIP_FILE + " bytes)");
        }

        private long copyStored(String name, long n, long limit) throws IOException {
            if (n > limit) {
                throw limitError(name);
            }
            long left = n;
            while (left > 0) {
                if (src.fill() == 0) {
                    throw entryError(name, "zip file truncated in file data");
                }
                int k = (int) Math.min(left, src.buffered());
                digest(src.buf, src.pos, k);
                src.pos += k;
                left -= k;
            }
            return n;
        }

        /** Inflates one entry; {@code csize} −1 means unknown (data descriptor). Returns {compressed, size}. */
        private long[] inflate(String name, long csize, long limit) throws IOException {
            inflater.reset();
            long fed = 0;
            long size = 0;
            try {
                while (!inflater.finished()) {
                    if (inflater.needsInput()) {
                        if (csize >= 0 && fed == csize) {
                            throw entryError(name, "deflate data ends after its declared compressed size");
                        }
                        if (src.fill() == 0) {
                            throw entryError(name, "zip file truncated in deflate data");
                        }
                        int k = src.buffered();
                        if (csize >= 0) {
                            k = (int) Math.min(k, csize - fed);
                        }
                        inflater.setInput(src.buf, src.pos, k);
                        src.pos += k;
                        fed += k;
                    }
                    if (inflater.needsDictionary()) {
                        throw entryError(name, "invalid deflate data (preset dictionary)");
                    }
                    int n = inflater.inflate(out);
                    if (n > 0) {
                        size += n;
                        if (size > limit) {
                            throw limitError(name);
                        }
                        digest(out, 0, n);
                    }
                }
            } catch (DataFormatException e) {
                throw entryError(name, "invalid deflate data: " + e.getMessage());
            }
            // Bytes handed to the inflater past the end of its stream belong to what follows.
            int rest = inflater.getRemaining();
            src.pos -= rest;
            long compressed = fed - rest;
            if (csize >= 0 && compressed != csize) {
                throw entryError(
                        name,
                        "deflate data ends before its declared compressed size (" + compressed + " of " + csize
                                + " bytes)");
            }
            return new long[] {compressed, size};
        }

        private void digest(byte[] b, int off, int len) {
            crc.update(b, off, len);
            sha.update(b, off, len);
        }

        private void descriptor(String name, long actualCrc, long compressed, long size) throws IOException {
            if (src.ensure(16) < 12) {
                throw entryError(name, "zip file truncated in data descriptor");
            }
            int at = src.pos;
            long first = src.u32(at);
            // The signature is optional; a CRC that happens to equal it is told apart by what follows.
            boolean signed = first == DESCRIPTOR_SIG
                    && (actualCrc != DESCRIPTOR_SIG || (src.buffered() >= 16 && src.u32(at + 4) == actualCrc));
            int h = src.require(signed ? 16 : 12, "data descriptor");
            if (signed) {
                h += 4;
            }
            compare(name, "data descriptor", src.u32(h), src.u32(h + 4), src.u32(h + 8), actualCrc, compressed, size);
        }

        private static void compare(
                String name,
                String where,
                long crcField,
                long csize,
                long usize,
                long crc,
                long compressed,
                long size) {
            if (crcField != crc) {
                throw entryError(
                        name, String.format("CRC-32 mismatch: %s says %08x, content has %08x", where, crcField, crc));
            }
            if (csize != compressed) {
                throw entryError(
                        name,
                        "compressed size mismatch: " + where + " says " + csize + ", data is " + compressed + " bytes");
            }
            if (usize != size) {
                throw entryError(
                        name,
                        "uncompressed size mismatch: " + where + " says " + usize + ", content is " + size + " bytes");
            }
        }

        /** Applies x/mod checkZip's name rules; returns whether the entry is a directory. */
        private boolean checkName(String name) {
            if (!name.startsWith(prefix)) {
                throw entryError(name, "path does not have prefix " + quote(prefix));
            }
            String rel = name.substring(prefix.length());
            if (rel.isEmpty()) {
                return true;
            }
            boolean isDir = rel.endsWith("/");
            if (isDir) {
                rel = rel.substring(0, rel.length() - 1);
            }
            if (!isClean(rel)) {
                throw entryError(name, "file path is not clean");
            }
            try {
                FilePath.check(rel);
            } catch (FormatException e) {
                throw entryError(name, e.getMessage());
            }
            checkCollision(name, rel, isDir);
            if (isDir) {
                return true;
            }
            int slash = rel.lastIndexOf('/');
            String base = rel.substring(slash + 1);
            if (base.equalsIgnoreCase("go.mod")) {
                if (!base.equals(rel)) {
                    throw entryError(name, "go.mod file not in module root directory");
                }
                if (!rel.equals("go.mod")) {
                    throw entryError(name, "go.mod files must have lowercase names");
                }
                hasGoMod = true;
            }
            files++;
            return false;
        }

        /** Go's path.Clean(p) == p for a relative path: no empty, "." or ".." elements, no trailing slash. */
        private static boolean isClean(String p) {
            if (p.isEmpty() || p.endsWith("/")) {
                return false;
            }
            for (String e : p.split("/", -1)) {
                if (e.equals(".") || e.equals("..") || (e.isEmpty() && !p.startsWith("/"))) {
                    return false;
                }
            }
            return !p.contains("//");
        }

        /** x/mod's collisionChecker: registers {@code p} and its parent directories under their case fold. */
        private void checkCollision(String name, String p, boolean isDir) {
            while (true) {
                String fold = fold(p);
                String[] other = folded.get(fold);
                if (other != null) {
                    if (!other[0].equals(p)) {
                        throw entryError(
                                name, "case-insensitive file name collision: " + quote(other[0]) + " and " + quote(p));
                    }
                    boolean otherDir = other[1] != null;
                    if (isDir != otherDir) {
                        throw entryError(name, "entry " + quote(p) + " is both a file and a directory");
                    }
                    if (!isDir) {
                        throw entryError(name, "multiple entries for file " + quote(p));
                    }
                } else {
                    folded.put(fold, new String[] {p, isDir ? "d" : null});
                }
                int slash = p.lastIndexOf('/');
                if (slash < 0) {
                    return;
                }
                p = p.substring(0, slash);
                isDir = true;
            }
        }

        /** Unicode simple case folding, as Go's strings.EqualFold compares. */
        private static String fold(String s) {
            StringBuilder b = new StringBuilder(s.length());
            s.codePoints().forEach(c -> b.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c))));
            return b.toString();
        }

        private Seen centralEntry(boolean[] confirmed) throws IOException {
            int h = src.require(42, "central directory header");
            int madeBy = src.u16(h);
            int flags = src.u16(h + 4);
            int method = src.u16(h + 6);
            long crcField = src.u32(h + 12);
            long csize = src.u32(h + 16);
            long usize = src.u32(h + 20);
            int nameLen = src.u16(h + 24);
            int extraLen = src.u16(h + 26);
            int commentLen = src.u16(h + 28);
            int disk = src.u16(h + 30);
            long external = src.u32(h + 34);
            long offset = src.u32(h + 38);
            byte[] rawName = src.bytes(nameLen, "central directory file name");
            byte[] extra = src.bytes(extraLen, "central directory extra field");
            src.skip(commentLen, "central directory file comment");
            String name = decodeName(rawName);
            if (csize == 0xffffffffL || usize == 0xffffffffL || offset == 0xffffffffL || hasZip64Extra(extra)) {
                throw entryError(
                        name, "ZIP64 entries are not supported (a module zip is never large enough to " + "need them)");
            }
            if (disk != 0) {
                throw entryError(name, "multi-disk zip files are not supported");
            }
            Integer index = byOffset.get(offset);
            if (index == null) {
                throw entryError(
                        name, "central directory points to offset " + offset + ", where no local file header was seen");
            }
            if (confirmed[index]) {
                throw entryError(name, "central directory lists the entry at offset " + offset + " twice");
            }
            confirmed[index] = true;
            Seen s = seen.get(index);
            if (!Arrays.equals(rawName, s.rawName())) {
                throw entryError(name, "central directory name differs from local header name " + quote(s.name()));
            }
            if (method != s.method()
                    || (flags & (FLAG_DESCRIPTOR | FLAG_ENCRYPTED))
                            != (s.flags() & (FLAG_DESCRIPTOR | FLAG_ENCRYPTED))) {
                throw entryError(name, "central directory method or flags differ from the local header");
            }
            compare(name, "central directory", crcField, csize, usize, s.crc(), s.compressed(), s.size());
            int host = madeBy >>> 8;
            if (host == 3 || host == 19) { // Unix, macOS: st_mode in the high 16 bits
                int type = (int) (external >>> 16) & 0xf000;
                if (type == 0xa000) {
                    throw entryError(name, "symbolic links are not allowed");
                }
                if (type == 0x4000 && !s.isDir()) {
                    throw entryError(name, "directory mode on an entry whose name does not end in '/'");
                }
                if (type != 0 && type != 0x8000 && type != 0x4000) {
                    throw entryError(name, "irregular files are not allowed");
                }
            } else if ((external & 0x10) != 0 && !s.isDir()) { // MS-DOS directory attribute
                throw entryError(name, "directory attribute on an entry whose name does not end in '/'");
            }
            return s;
        }

        /**
         * The ZIP64 end record, which Go's archive/zip writes when a zip has 65535 or more entries: its counts,
         * size and offset must be exact. Only the fixed 56-byte form (no extensible data) is accepted.
         */
        private void zip64End(int count, long cdStart, long cdEnd) throws IOException {
            int h = src.require(52, "ZIP64 end of central directory record");
            long recordSize = src.u32(h) | src.u32(h + 4) << 32;
            long disk = src.u32(h + 12);
            long cdDisk = src.u32(h + 16);
            long onDisk = src.u32(h + 20) | src.u32(h + 24) << 32;
            long total = src.u32(h + 28) | src.u32(h + 32) << 32;
            long cdSize = src.u32(h + 36) | src.u32(h + 40) << 32;
            long cdOffset = src.u32(h + 44) | src.u32(h + 48) << 32;
            if (recordSize != 44) {
                throw new FormatException("ZIP64 end record with extensible data is not supported");
            }
            if (disk != 0 || cdDisk != 0) {
                throw new FormatException("multi-disk zip files are not supported");
            }
            if (onDisk != count || total != count) {
                throw new FormatException(
                        "ZIP64 end record counts " + total + " entries, central directory has " + count);
            }
            if (cdOffset != cdStart || cdSize != cdEnd - cdStart) {
                throw new FormatException("ZIP64 end record places the central directory at " + cdOffset + " (" + cdSize
                        + " bytes), but it is at " + cdStart + " (" + (cdEnd - cdStart) + " bytes)");
            }
        }

        private void zip64Locator(long zip64EndOffset) throws IOException {
            int h = src.require(16, "ZIP64 end of central directory locator");
            long disk = src.u32(h);
            long offset = src.u32(h + 4) | src.u32(h + 8) << 32;
            long disks = src.u32(h + 12);
            if (disk != 0 || disks != 1) {
                throw new FormatException("multi-disk zip files are not supported");
            }
            if (offset != zip64EndOffset) {
                throw new FormatException("ZIP64 locator points to offset " + offset
                        + ", but the ZIP64 end record is at " + zip64EndOffset);
            }
        }

        /**
         * The end record. After a ZIP64 end record, each of its fields may instead hold the all-ones value that
         * defers to the ZIP64 record (which has been checked); otherwise every field must be exact.
         */
        private void end(int count, long cdStart, long cdEnd, boolean zip64) throws IOException {
            int h = src.require(18, "end of central directory record");
            int disk = src.u16(h);
            int cdDisk = src.u16(h + 2);
            int onDisk = src.u16(h + 4);
            int total = src.u16(h + 6);
            long cdSize = src.u32(h + 8);
            long cdOffset = src.u32(h + 12);
            int commentLen = src.u16(h + 16);
            if (zip64) {
                onDisk = onDisk == 0xffff ? count : onDisk;
                total = total == 0xffff ? count : total;
                cdSize = cdSize == 0xffffffffL ? cdEnd - cdStart : cdSize;
                cdOffset = cdOffset == 0xffffffffL ? cdStart : cdOffset;
            } else if (onDisk == 0xffff || total == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
                throw new FormatException("end record defers to a ZIP64 end record, but there is none");
            }
            if (disk != 0 || cdDisk != 0) {
                throw new FormatException("multi-disk zip files are not supported");
            }
            if (onDisk != count || total != count) {
                throw new FormatException("end record counts " + total + " entries, central directory has " + count);
            }
            if (cdOffset != cdStart || cdSize != cdEnd - cdStart) {
                throw new FormatException("end record places the central directory at " + cdOffset + " (" + cdSize
                        + " bytes), but it is at " + cdStart + " (" + (cdEnd - cdStart) + " bytes)");
            }
            src.skip(commentLen, "zip comment");
            if (!src.atEnd()) {
                throw new FormatException("unexpected data after the end of the zip file at offset " + src.offset());
            }
        }
    }

    /** Whether an extra field block contains the ZIP64 extended information field (header id 0x0001). */
    private static boolean hasZip64Extra(byte[] extra) {
        int i = 0;
        while (i + 4 <= extra.length) {
            int id = (extra[i] & 0xff) | (extra[i + 1] & 0xff) << 8;
            int len = (extra[i + 2] & 0xff) | (extra[i + 3] & 0xff) << 8;
            if (id == 0x0001) {
                return true;
            }
            i += 4 + len;
        }
        return false;
    }

    private static String decodeName(byte[] raw) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(
                    "zip entry name " + quote(new String(raw, StandardCharsets.ISO_8859_1)) + " is not valid UTF-8");
        }
    }

    private static FormatException entryError(String name, String message) {
        return new FormatException("zip entry " + quote(name) + ": " + message);
    }
}
