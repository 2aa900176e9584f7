package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a bundle manifest ({@code manifest.gz}, grammar in {@link ManifestWriter}) one entry at a time, checking
 * as it goes: canonical numbers, lowercase hex digests, canonical percent-encoding and base64, section order,
 * consecutive volume numbers, each object's chunk count and that its chunk lengths add up to its size, chunk
 * lengths of 1 to {@link Volume#MAX_RECORD} bytes, shipped chunks inside a listed volume at strictly increasing
 * positions (volume, record offset, position in the record), and finally the {@code end} line's count and nothing after it. In format 2,
 * each object's parts must name exactly its chunk count, shipped and held lengths must not exceed its size, and a
 * run of the object itself may name only chunks before it. Lines are capped at
 * {@link #MAX_LINE} bytes and objects at {@link #MAX_CHUNKS} chunks. Any violation, including a truncated or
 * corrupt gzip stream, throws {@link BundleFormatException} naming the line.
 */
public final class ManifestReader {
    /** Longest line: a metadata value or mirror set of up to 12 MiB, base64-encoded. */
    public static final int MAX_LINE = 16 << 20;
    /** Most chunks per object: 16 Mi chunks of 64 KiB is a 1 TiB object. */
    public static final int MAX_CHUNKS = 1 << 24;

    private final InputStream in;
    private final String id;
    private final int format;
    private final List<ManifestEntry.Volume> volumes = new ArrayList<>();
    private long lineNo;
    private long entryLine;
    private int section;
    private int lastVolume;
    private long lastOffset = -1;
    private int lastSkip;
    private boolean ended;

    public ManifestReader(InputStream gz) throws IOException {
        try {
            this.in = new BufferedInputStream(new GZIPInputStream(gz, 1 << 16), 1 << 16);
        } catch (EOFException | ZipException e) {
            throw new BundleFormatException("manifest is not a gzip stream or is truncated: " + e.getMessage());
        }
        String header = line();
        if (header == null) {
            throw new BundleFormatException("manifest is empty");
        }
        String[] f = header.split(" ", -1);
        if (f.length != 3 || !f[0].equals("ferry-manifest")) {
            throw new BundleFormatException("manifest line 1: not a ferry manifest header: " + quote(header));
        }
        if (!f[1].equals("1") && !f[1].equals("2")) {
            throw new BundleFormatException(
                    "manifest line 1: manifest version " + quote(f[1]) + " is not one this ferry reads");
        }
        this.format = Integer.parseInt(f[1]);
        if (!BundleId.isValid(f[2])) {
            throw new BundleFormatException("manifest line 1: invalid bundle id " + quote(f[2]));
        }
        this.id = f[2];
    }

    public String id() {
        return id;
    }

    /** The manifest's format: {@link BundleNote#FORMAT_1} or {@link BundleNote#FORMAT_2}. */
    public int format() {
        return format;
    }

    /** The volumes listed so far (all of them once the first object or later entry was read). */
    public List<ManifestEntry.Volume> volumes() {
        return List.copyOf(volumes);
    }

    /** The line number (from 1) at which the entry {@link #next} returned last starts, for messages. */
    public long entryLine() {
        return entryLine;
    }

    /** The next entry, or null after a valid {@code end} line followed by the end of the stream. */
    public ManifestEntry next() throws IOException {
        if (ended) {
            return null;
        }
        String l = line();
        entryLine = lineNo;
        if (l == null) {
            throw new BundleFormatException("manifest truncated after line " + lineNo + ": no end line");
        }
        String[] f = l.split(" ", -1);
        try {
            return switch (f[0]) {
                case "volume" -> volume(f);
                case "object" -> object(f);
                case "name" -> {
                    fields(f, 3);
                    order(3);
                    yield new ManifestEntry.Name(Names.decode(f[1], "name"), hex(f[2], "object digest"));
                }
                case "meta" -> {
                    fields(f, 4);
                    order(4);
                    MetaPolicy p = switch (f[1]) {
                        case "KEEP" -> MetaPolicy.KEEP_EXISTING;
                        case "REPLACE" -> MetaPolicy.REPLACE;
                        default -> throw new BundleFormatException("unknown meta policy " + quote(f[1]));
                    };
                    yield new ManifestEntry.Meta(p, Names.decode(f[2], "meta key"), value(f[3]));
                }
                case "pin" -> {
                    fields(f, 3);
                    order(5);
                    yield new ManifestEntry.Pin(Names.decode(f[1], "pin set"), hex(f[2], "object digest"));
                }
                case "mirror-set" -> {
                    fields(f, 3);
                    order(6);
                    yield new ManifestEntry.MirrorSet(Names.decode(f[1], "mirror-set name"), utf8(value(f[2])));
                }
                case "end" -> {
                    fields(f, 2);
                    long count = Lines.number(f[1], Long.MAX_VALUE, "end count");
                    if (count != lineNo - 1) {
                        throw new BundleFormatException("end line counts " + count + " lines, but " + (lineNo - 1)
                                + " precede it (lines lost or added)");
                    }
                    if (readPastEnd() >= 0) {
                        throw new BundleFormatException("data after the end line");
                    }
                    ended = true;
                    yield null;
                }
                default -> throw new BundleFormatException("unknown line " + quote(l));
            };
        } catch (BundleFormatException e) {
            throw at(e);
        }
    }

    private BundleFormatException at(BundleFormatException e) {
        return e.getMessage().startsWith("manifest")
                ? e
                : new BundleFormatException("manifest line " + lineNo + ": " + e.getMessage(), e);
    }

    private ManifestEntry.Volume volume(String[] f) {
        fields(f, 4);
        order(1);
        int n = (int) Lines.number(f[1], BundleNote.MAX_VOLUMES, "volume number");
        if (n != volumes.size() + 1) {
            throw new BundleFormatException("volume " + n + " follows volume " + volumes.size());
        }
        long size = Lines.number(f[2], Long.MAX_VALUE, "volume size");
        if (!f[3].startsWith("sha256:")) {
            throw new BundleFormatException("volume digest " + quote(f[3]) + " is not sha256:<hex>");
        }
        ManifestEntry.Volume v = new ManifestEntry.Volume(n, size, hex(f[3].substring(7), "volume digest"));
        volumes.add(v);
        return v;
    }

    private ManifestEntry object(String[] f) throws IOException {
        fields(f, 4);
        order(2);
        String sha = hex(f[1], "object digest");
        long size = Lines.number(f[2], Long.MAX_VALUE, "object size");
        int count = (int) Lines.number(f[3], MAX_CHUNKS, "chunk count");
        if (format == BundleNote.FORMAT_2) {
            return deltaObject(sha, size, count);
        }
        List<ManifestEntry.Chunk> chunks = new ArrayList<>(Math.min(count, 1024));
        long sum = 0;
        for (int i = 0; i < count; i++) {
            String l = line();
            if (l == null) {
                throw new BundleFormatException("manifest truncated after line " + lineNo + ": object " + sha
                        + " lists " + count + " chunks, found " + i);
            }
            String[] c = l.split(" ", -1);
            if (!c[0].equals("c")) {
                throw new BundleFormatException(
                        "object " + sha + " lists " + count + " chunks, but line " + lineNo + " is not a chunk line");
            }
            chunks.add(chunk(c));
            sum += chunks.getLast().length();
        }
        if (sum != size) {
            throw new BundleFormatException("object " + sha + ": chunks add up to " + sum + " bytes, not " + size);
        }
        return new ManifestEntry.StoreObject(sha, size, chunks);
    }

    private ManifestEntry.DeltaObject deltaObject(String sha, long size, int count) throws IOException {
        List<ManifestEntry.Part> parts = new ArrayList<>(Math.min(count, 1024));
        long n = 0;
        long known = 0;
        while (n < count) {
            String l = line();
            if (l == null) {
                throw new BundleFormatException("manifest truncated after line " + lineNo + ": object " + sha
                        + " lists " + count + " chunks, found " + n);
            }
            String[] c = l.split(" ", -1);
            int more = switch (c[0]) {
                case "s" -> c.length - 1;
                case "r" -> {
                    if (c.length != 4) {
                        throw new BundleFormatException("run line is not \"r <hex> <first> <count>\"");
                    }
                    yield (int) Lines.number(c[3], MAX_CHUNKS, "run length");
                }
                case "h" -> 1;
                default ->
                    throw new BundleFormatException("object " + sha + " lists " + count + " chunks, but line " + lineNo
                            + " is not a chunk line (s, r or h)");
            };
            if (more < 1 || n + more > count) {
                throw new BundleFormatException("object " + sha + " lists " + count + " chunks, but line " + lineNo
                        + (more < 1 ? " names none" : " names more"));
            }
            switch (c[0]) {
                case "s" -> {
                    if (more > ManifestWriter.LENGTHS_PER_LINE) {
                        throw new BundleFormatException(
                                "more than " + ManifestWriter.LENGTHS_PER_LINE + " lengths on an s line");
                    }
                    for (int i = 1; i < c.length; i++) {
                        int length = length(c[i]);
                        parts.add(new ManifestEntry.Shipped(length));
                        known += length;
                    }
                }
                case "r" -> {
                    String object = hex(c[1], "run object digest");
                    int first = (int) Lines.number(c[2], MAX_CHUNKS - 1, "run start");
                    if ((long) first + more > MAX_CHUNKS) {
                        throw new BundleFormatException("run past chunk " + MAX_CHUNKS);
                    }
                    if (object.equals(sha) && (long) first + more > n) {
                        throw new BundleFormatException("object " + sha + " names its own chunks " + first + " to "
                                + (first + more - 1) + " at chunk " + n + ": only chunks before a run can be named");
                    }
                    parts.add(new ManifestEntry.Run(object, first, more));
                }
                default -> {
                    if (c.length != 3) {
                        throw new BundleFormatException("chunk line is not \"h <hex> <length>\"");
                    }
                    int length = length(c[2]);
                    parts.add(new ManifestEntry.Held(hex(c[1], "chunk digest"), length));
                    known += length;
                }
            }
            n += more;
        }
        if (known > size) {
            throw new BundleFormatException(
                    "object " + sha + ": its chunks add up to more than its " + size + " bytes");
        }
        return new ManifestEntry.DeltaObject(sha, size, parts);
    }

    private static int length(String s) {
        int length = (int) Lines.number(s, Volume.MAX_RECORD, "chunk length");
        if (length == 0) {
            throw new BundleFormatException("a chunk has length 0");
        }
        return length;
    }

    private ManifestEntry.Chunk chunk(String[] c) {
        if (c.length != 4 && c.length != 5 || c.length == 4 && !c[3].equals("-")) {
            throw new BundleFormatException(
                    "chunk line is not \"c <hex> <length> <volume> <offset>\" or " + "\"c <hex> <length> -\"");
        }
        String sha = hex(c[1], "chunk digest");
        int length = (int) Lines.number(c[2], Volume.MAX_RECORD, "chunk length");
        if (length == 0) {
            throw new BundleFormatException("chunk " + sha + " has length 0");
        }
        if (c.length == 4) {
            return ManifestEntry.Chunk.notShipped(sha, length);
        }
        int vol = (int) Lines.number(c[3], BundleNote.MAX_VOLUMES, "chunk volume");
        int plus = c[4].indexOf('+');
        long offset = Lines.number(plus < 0 ? c[4] : c[4].substring(0, plus), Long.MAX_VALUE, "chunk offset");
        int skip = plus < 0
                ? 0
                : (int) Lines.number(
                        c[4].substring(plus + 1), Volume.MAX_RECORD - length, "chunk position in its record");
        if (plus >= 0 && skip == 0) {
            throw new BundleFormatException("chunk " + sha + ": write offset+0 as the offset alone");
        }
        if (vol < 1 || vol > volumes.size()) {
            throw new BundleFormatException("chunk " + sha + " is in volume " + vol + ", but the manifest lists "
                    + volumes.size() + " volumes");
        }
        if (offset + Volume.RECORD_HEADER + Volume.TRAILER_LENGTH
                > volumes.get(vol - 1).size()) {
            throw new BundleFormatException(
                    "chunk " + sha + " at offset " + offset + " is past the end of volume " + vol);
        }
        if (vol < lastVolume
                || vol == lastVolume && (offset < lastOffset || offset == lastOffset && skip <= lastSkip)) {
            throw new BundleFormatException("chunk " + sha + " at volume " + vol + " offset " + c[4]
                    + " is not after the previous shipped chunk");
        }
        lastVolume = vol;
        lastOffset = offset;
        lastSkip = skip;
        return new ManifestEntry.Chunk(sha, length, vol, offset, skip);
    }

    private void order(int s) {
        if (s < section) {
            throw new BundleFormatException(
                    "line out of order (sections are volume, object, name, meta, pin, " + "mirror-set, end)");
        }
        section = s;
    }

    private static void fields(String[] f, int n) {
        if (f.length != n) {
            throw new BundleFormatException(quote(f[0]) + " line has " + f.length + " fields, want " + n);
        }
    }

    private static String hex(String s, String what) {
        BundleNote.checkSha256(s, what);
        return s;
    }

    /** A value field: base64 in format 1; in format 2 as {@link ManifestWriter} writes it, in its one spelling. */
    private byte[] value(String s) {
        if (format == BundleNote.FORMAT_1 || s.equals("-")) {
            return base64(s);
        }
        if (s.startsWith(ManifestWriter.BASE64)) {
            byte[] v = base64(s.substring(ManifestWriter.BASE64.length()));
            String text = ManifestWriter.utf8(v);
            if (v.length == 0
                    || text != null
                            && !text.equals("-")
                            && !text.startsWith(ManifestWriter.BASE64)
                            && v.length < MAX_LINE / 4) {
                throw new BundleFormatException("value written as base64 that is written as text");
            }
            return v;
        }
        String text = Names.decode(s, "value");
        if (text.equals("-") || text.startsWith(ManifestWriter.BASE64)) {
            throw new BundleFormatException("text value " + quote(s) + " that is written as base64");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] base64(String s) {
        if (s.equals("-")) {
            return new byte[0];
        }
        byte[] v;
        try {
            v = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new BundleFormatException("bad base64 value");
        }
        if (v.length == 0 || !Base64.getEncoder().encodeToString(v).equals(s)) {
            throw new BundleFormatException("non-canonical base64 value");
        }
        return v;
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(b))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BundleFormatException("mirror-set text is not UTF-8");
        }
    }

    private int readPastEnd() throws IOException {
        try {
            return in.read();
        } catch (EOFException | ZipException e) {
            throw new BundleFormatException("manifest damaged after the end line (gzip: " + e.getMessage() + ")");
        }
    }

    private String line() throws IOException {
        lineNo++;
        try {
            return Lines.read(in, MAX_LINE, lineNo);
        } catch (EOFException | ZipException e) {
            throw new BundleFormatException(
                    "manifest damaged or truncated at line " + lineNo + " (gzip: " + e.getMessage() + ")");
        } catch (BundleFormatException e) {
            throw new BundleFormatException("manifest " + e.getMessage(), e);
        }
    }
}
