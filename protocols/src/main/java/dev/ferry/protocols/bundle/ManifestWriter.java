package dev.ferry.protocols.bundle;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a bundle manifest ({@code manifest.gz}): gzip of UTF-8 lines, fields separated by one space, sections in
 * this order (each may be empty). Format 1:
 * <pre>
 * ferry-manifest 1 &lt;id&gt;
 * volume &lt;n&gt; &lt;size&gt; sha256:&lt;hex&gt;                 n = 1, 2, ... in order
 * object &lt;sha256 hex&gt; &lt;size&gt; &lt;chunk count&gt;          then exactly that many chunk lines:
 * c &lt;sha256 hex&gt; &lt;length&gt; &lt;volume&gt; &lt;offset&gt;[+&lt;skip&gt;]  shipped: bytes [skip, skip+length) of the record at
 *                                                  offset (skip 0 is not written); positions strictly increase
 * c &lt;sha256 hex&gt; &lt;length&gt; -                        not shipped
 * name &lt;name&gt; &lt;object hex&gt;
 * meta &lt;KEEP|REPLACE&gt; &lt;key&gt; &lt;base64 value, - when empty&gt;
 * pin &lt;pin set&gt; &lt;object hex&gt;
 * mirror-set &lt;name&gt; &lt;base64 YAML, - when empty&gt;
 * end &lt;count of preceding lines&gt;
 * </pre>
 * Format 2 is format 1 with a header {@code ferry-manifest 2 <id>} and objects written as {@link
 * ManifestEntry.DeltaObject}s, without chunk digests or places for shipped chunks:
 * <pre>
 * object &lt;sha256 hex&gt; &lt;size&gt; &lt;chunk count&gt;   then lines naming exactly that many chunks, in order:
 * s &lt;length&gt;[ &lt;length&gt;...]                 shipped chunks, at most {@value #LENGTHS_PER_LINE} a line
 * r &lt;object hex&gt; &lt;first&gt; &lt;count&gt;            chunks first..first+count-1 (from 0) of an object the site
 *                                              holds, or of one listed before (this one: chunks before the run)
 * h &lt;sha256 hex&gt; &lt;length&gt;                    a chunk the site holds, by its digest
 * </pre>
 * Metadata values and mirror-set texts are written as text where they are UTF-8 (most are: version records, notes,
 * YAML), so gzip finds the digests they name elsewhere in the manifest: {@code -} when empty, {@code base64:<base64>}
 * for bytes that are not UTF-8 text (or text that is {@code -} or starts with {@code base64:}, or would make too long
 * a line), else the text percent-encoded as names are. A shipped chunk's place is not written: the volumes hold the shipped chunks in manifest order, each record (its
 * header says its raw length) the next chunks whose lengths fill it exactly, the records of volume 1 first.
 * Names, keys, pin sets and mirror-set names are percent-encoded ({@link Names}). The writer enforces the order;
 * {@link ManifestReader} enforces everything.
 */
public final class ManifestWriter implements AutoCloseable {
    /** Most shipped lengths on one {@code s} line of format 2. */
    public static final int LENGTHS_PER_LINE = 1024;

    private final int format;
    /** Null in a writer of {@link #objects} only. */
    private final GZIPOutputStream gzip;

    private final Writer out;
    private long lines;
    /** Bytes of the lines written, when they are ASCII (objects sections are): checks {@link #appendObjects}. */
    private long bytes;

    private int section;
    private int volumes;
    private boolean finished;

    /** A format-1 manifest. */
    public ManifestWriter(OutputStream target, String id) throws IOException {
        this(target, id, BundleNote.FORMAT_1);
    }

    /** A manifest of {@code format} ({@link BundleNote#FORMAT_1} or {@link BundleNote#FORMAT_2}). */
    public ManifestWriter(OutputStream target, String id, int format) throws IOException {
        BundleId.check(id);
        if (format != BundleNote.FORMAT_1 && format != BundleNote.FORMAT_2) {
            throw new IllegalArgumentException("manifest format " + format);
        }
        this.format = format;
        this.gzip = new GZIPOutputStream(target, 1 << 16);
        this.out = new BufferedWriter(new OutputStreamWriter(gzip, StandardCharsets.UTF_8), 1 << 16);
        line("ferry-manifest " + format + " " + id);
    }

    private ManifestWriter(Writer out, int format) {
        this.format = format;
        this.gzip = null;
        this.out = out;
    }

    /**
     * A writer of the objects section alone, as plain UTF-8 lines to {@code target} (no header, no end line; {@link
     * #finish} flushes): an export that lists its objects while it writes the volumes, whose lines come first in the
     * manifest, writes them here and copies them in with {@link #appendObjects}.
     */
    public static ManifestWriter objects(OutputStream target, int format) {
        if (format != BundleNote.FORMAT_1 && format != BundleNote.FORMAT_2) {
            throw new IllegalArgumentException("manifest format " + format);
        }
        return new ManifestWriter(
                new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8), 1 << 16), format);
    }

    /**
     * Copies in the objects section an {@link #objects} writer wrote (finished) to what {@code in} reads, as if each
     * of its entries were written here.
     */
    public void appendObjects(ManifestWriter part, InputStream in) throws IOException {
        if (gzip == null || part.gzip != null || !part.finished || part.format != format) {
            throw new IllegalArgumentException("not a finished objects section of a format-" + format + " manifest");
        }
        order(2, "object");
        out.flush();
        long copied = in.transferTo(gzip);
        if (copied != part.bytes) {
            throw new IllegalStateException("objects section of " + part.bytes + " bytes, copied " + copied);
        }
        lines += part.lines;
    }

    public void write(ManifestEntry entry) throws IOException {
        switch (entry) {
            case ManifestEntry.Volume v -> {
                order(1, "volume");
                if (v.number() != volumes + 1) {
                    throw new IllegalStateException("volume " + v.number() + " after volume " + volumes);
                }
                volumes++;
                line("volume " + v.number() + " " + v.size() + " sha256:" + v.sha256());
            }
            case ManifestEntry.DeltaObject o -> {
                order(2, "object");
                if (format != BundleNote.FORMAT_2) {
                    throw new IllegalArgumentException("a format-" + format + " manifest lists objects chunk by chunk");
                }
                deltaObject(o);
            }
            case ManifestEntry.StoreObject o -> {
                order(2, "object");
                if (format != BundleNote.FORMAT_1) {
                    throw new IllegalArgumentException("a format-" + format + " manifest lists objects as parts");
                }
                long sum = 0;
                for (ManifestEntry.Chunk c : o.chunks()) {
                    sum += c.length();
                }
                if (sum != o.size()) {
                    throw new IllegalArgumentException(
                            "object " + o.sha256() + ": chunks add up to " + sum + " bytes, not " + o.size());
                }
                line("object " + o.sha256() + " " + o.size() + " " + o.chunks().size());
                for (ManifestEntry.Chunk c : o.chunks()) {
                    line("c " + c.sha256() + " " + c.length() + " "
                            + (c.shipped()
                                    ? c.volume() + " " + c.offset() + (c.skip() > 0 ? "+" + c.skip() : "")
                                    : "-"));
                }
            }
            case ManifestEntry.Name n -> {
                order(3, "name");
                line("name " + Names.encode(n.name()) + " " + n.object());
            }
            case ManifestEntry.Meta m -> {
                order(4, "meta");
                line("meta " + (m.policy() == MetaPolicy.KEEP_EXISTING ? "KEEP" : "REPLACE") + " "
                        + Names.encode(m.key()) + " " + value(m.value()));
            }
            case ManifestEntry.Pin p -> {
                order(5, "pin");
                line("pin " + Names.encode(p.pinSet()) + " " + p.object());
            }
            case ManifestEntry.MirrorSet s -> {
                order(6, "mirror-set");
                line("mirror-set " + Names.encode(s.name()) + " "
                        + value(s.yaml().getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private void deltaObject(ManifestEntry.DeltaObject o) throws IOException {
        long known = 0;
        for (ManifestEntry.Part p : o.parts()) {
            if (p instanceof ManifestEntry.Shipped(int length)) {
                known += length;
            } else if (p instanceof ManifestEntry.Held h) {
                known += h.length();
            }
        }
        if (known > o.size()) {
            throw new IllegalArgumentException(
                    "object " + o.sha256() + ": its chunks add up to more than " + o.size() + " bytes");
        }
        line("object " + o.sha256() + " " + o.size() + " " + o.chunkCount());
        StringBuilder lengths = new StringBuilder();
        int onLine = 0;
        for (ManifestEntry.Part p : o.parts()) {
            if (p instanceof ManifestEntry.Shipped(int length)) {
                lengths.append(onLine == 0 ? "s " : " ").append(length);
                if (++onLine == LENGTHS_PER_LINE) {
                    line(lengths.toString());
                    lengths.setLength(0);
                    onLine = 0;
                }
                continue;
            }
            if (onLine > 0) {
                line(lengths.toString());
                lengths.setLength(0);
                onLine = 0;
            }
            switch (p) {
                case ManifestEntry.Run r -> line("r " + r.object() + " " + r.first() + " " + r.count());
                case ManifestEntry.Held h -> line("h " + h.sha256() + " " + h.length());
                case ManifestEntry.Shipped s -> throw new IllegalStateException("written above");
            }
        }
        if (onLine > 0) {
            line(lengths.toString());
        }
    }

    /** The format being written. */
    public int format() {
        return format;
    }

    /** Writes the end line and finishes the gzip stream (the target stays open). */
    public void finish() throws IOException {
        if (gzip == null) {
            out.flush();
            finished = true;
            return;
        }
        if (!finished) {
            out.write("end " + lines + "\n");
            out.flush();
            gzip.finish();
            finished = true;
        }
    }

    /** Finishes; does not close the target. */
    @Override
    public void close() throws IOException {
        finish();
    }

    /** A value field: base64 in format 1; text where it can be in format 2. */
    private String value(byte[] value) {
        if (format == BundleNote.FORMAT_1 || value.length == 0) {
            return base64(value);
        }
        String text = utf8(value);
        if (text != null
                && !text.equals("-")
                && !text.startsWith(BASE64)
                && value.length < ManifestReader.MAX_LINE / 4) {
            return Names.encode(text);
        }
        return BASE64 + base64(value);
    }

    static final String BASE64 = "base64:";

    /** The value as text when it is well-formed UTF-8, else null. */
    static String utf8(byte[] value) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(value))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    static String base64(byte[] value) {
        return value.length == 0 ? "-" : Base64.getEncoder().encodeToString(value);
    }

    private void order(int s, String what) {
        if (finished) {
            throw new IllegalStateException("manifest already finished");
        }
        if (gzip == null && s != 2) {
            throw new IllegalStateException(what + " line in an objects section");
        }
        if (s < section) {
            throw new IllegalStateException(what + " line after a later section");
        }
        section = s;
    }

    private void line(String l) throws IOException {
        out.write(l);
        out.write('\n');
        lines++;
        bytes += l.length() + 1; // the lines are ASCII: hex, numbers, percent-encoded names
    }
}
