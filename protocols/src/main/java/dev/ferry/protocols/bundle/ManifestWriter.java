package dev.ferry.protocols.bundle;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a bundle manifest ({@code manifest.gz}): gzip of UTF-8 lines, fields separated by one space, sections in
 * this order (each may be empty):
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
 * Names, keys, pin sets and mirror-set names are percent-encoded ({@link Names}). The writer enforces the order;
 * {@link ManifestReader} enforces everything.
 */
public final class ManifestWriter implements AutoCloseable {
    private final GZIPOutputStream gzip;
    private final Writer out;
    private long lines;
    private int section;
    private int volumes;
    private boolean finished;

    public ManifestWriter(OutputStream target, String id) throws IOException {
        BundleId.check(id);
        this.gzip = new GZIPOutputStream(target, 1 << 16);
        this.out = new BufferedWriter(new OutputStreamWriter(gzip, StandardCharsets.UTF_8), 1 << 16);
        line("ferry-manifest 1 " + id);
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
            case ManifestEntry.StoreObject o -> {
                order(2, "object");
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
                        + Names.encode(m.key()) + " " + base64(m.value()));
            }
            case ManifestEntry.Pin p -> {
                order(5, "pin");
                line("pin " + Names.encode(p.pinSet()) + " " + p.object());
            }
            case ManifestEntry.MirrorSet s -> {
                order(6, "mirror-set");
                line("mirror-set " + Names.encode(s.name()) + " "
                        + base64(s.yaml().getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** Writes the end line and finishes the gzip stream (the target stays open). */
    public void finish() throws IOException {
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

    static String base64(byte[] value) {
        return value.length == 0 ? "-" : Base64.getEncoder().encodeToString(value);
    }

    private void order(int s, String what) {
        if (finished) {
            throw new IllegalStateException("manifest already finished");
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
    }
}
