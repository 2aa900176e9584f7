package dev.ferry.protocols.modzip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Builds zip bytes field by field, so tests can make every field lie independently of the others.
 * Defaults match what Go's archive/zip writes for a module zip: deflate, data descriptor with signature.
 */
final class RawZip {

    static final class E {
        String name;
        byte[] data;
        int method = 8;
        boolean descriptor = true;
        boolean descriptorSignature = true;
        int madeBy = 20; // MS-DOS host, version 2.0
        long external;
        byte[] extra = new byte[0];
        int flags = -1;
        // Overrides; null means "the true value".
        Long localCrc;
        Long localCsize;
        Long localUsize;
        Long descCrc;
        Long descCsize;
        Long descUsize;
        Long cdCrc;
        Long cdCsize;
        Long cdUsize;
        Long cdOffset;
        String cdName;
        Integer cdMethod;
        byte[] compressedOverride;
    }

    final List<E> entries = new ArrayList<>();
    byte[] trailing = new byte[0];
    byte[] prefixBytes = new byte[0];
    Integer endCount;
    Long endCdSize;
    Long endCdOffset;
    boolean omitLastCentral;
    boolean duplicateCentral;
    String comment = "";
    /** Write a ZIP64 end record and locator, with all-ones sentinels in the end record, as Go does at 65535+. */
    boolean zip64End;

    Long zip64Count;
    Long zip64LocatorOffset;

    RawZip add(String name, String data) {
        return add(name, data.getBytes(StandardCharsets.UTF_8), e -> {});
    }

    RawZip add(String name, byte[] data, Consumer<E> tweak) {
        E e = new E();
        e.name = name;
        e.data = data;
        tweak.accept(e);
        entries.add(e);
        return this;
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            int n = d.deflate(buf);
            out.write(buf, 0, n);
        }
        d.end();
        return out.toByteArray();
    }

    byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefixBytes);
        long[] offsets = new long[entries.size()];
        long[] crcs = new long[entries.size()];
        long[] csizes = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            E e = entries.get(i);
            CRC32 crc = new CRC32();
            crc.update(e.data);
            byte[] comp =
                    e.compressedOverride != null ? e.compressedOverride : e.method == 8 ? deflate(e.data) : e.data;
            offsets[i] = out.size() - prefixBytes.length;
            crcs[i] = crc.getValue();
            csizes[i] = comp.length;
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            int flags = e.flags >= 0 ? e.flags : (e.descriptor ? 0x808 : 0x800);
            u32(out, 0x04034b50);
            u16(out, 20);
            u16(out, flags);
            u16(out, e.method);
            u16(out, 0);
            u16(out, 0x21);
            u32(out, or(e.localCrc, e.descriptor ? 0 : crcs[i]));
            u32(out, or(e.localCsize, e.descriptor ? 0 : comp.length));
            u32(out, or(e.localUsize, e.descriptor ? 0 : e.data.length));
            u16(out, name.length);
            u16(out, e.extra.length);
            out.writeBytes(name);
            out.writeBytes(e.extra);
            out.writeBytes(comp);
            if (e.descriptor) {
                if (e.descriptorSignature) {
                    u32(out, 0x08074b50);
                }
                u32(out, or(e.descCrc, crcs[i]));
                u32(out, or(e.descCsize, comp.length));
                u32(out, or(e.descUsize, e.data.length));
            }
        }
        long cdStart = out.size() - prefixBytes.length;
        int count = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (omitLastCentral && i == entries.size() - 1) {
                continue;
            }
            int times = duplicateCentral && i == 0 ? 2 : 1;
            for (int t = 0; t < times; t++) {
                E e = entries.get(i);
                byte[] name = (e.cdName != null ? e.cdName : e.name).getBytes(StandardCharsets.UTF_8);
                int flags = e.flags >= 0 ? e.flags : (e.descriptor ? 0x808 : 0x800);
                u32(out, 0x02014b50);
                u16(out, e.madeBy);
                u16(out, 20);
                u16(out, flags);
                u16(out, e.cdMethod != null ? e.cdMethod : e.method);
                u16(out, 0);
                u16(out, 0x21);
                u32(out, or(e.cdCrc, crcs[i]));
                u32(out, or(e.cdCsize, csizes[i]));
                u32(out, or(e.cdUsize, e.data.length));
                u16(out, name.length);
                u16(out, e.extra.length);
                u16(out, 0);
                u16(out, 0);
                u16(out, 0);
                u32(out, e.external);
                u32(out, or(e.cdOffset, offsets[i]));
                out.writeBytes(name);
                out.writeBytes(e.extra);
                count++;
            }
        }
        long cdEnd = out.size() - prefixBytes.length;
        if (zip64End) {
            u32(out, 0x06064b50);
            u64(out, 44);
            u16(out, 45);
            u16(out, 45);
            u32(out, 0);
            u32(out, 0);
            u64(out, or(zip64Count, count));
            u64(out, or(zip64Count, count));
            u64(out, cdEnd - cdStart);
            u64(out, cdStart);
            u32(out, 0x07064b50);
            u32(out, 0);
            u64(out, or(zip64LocatorOffset, cdEnd));
            u32(out, 1);
        }
        u32(out, 0x06054b50);
        u16(out, 0);
        u16(out, 0);
        u16(out, zip64End ? 0xffff : endCount != null ? endCount : count);
        u16(out, zip64End ? 0xffff : endCount != null ? endCount : count);
        u32(out, zip64End ? 0xffffffffL : or(endCdSize, cdEnd - cdStart));
        u32(out, zip64End ? 0xffffffffL : or(endCdOffset, cdStart));
        byte[] c = comment.getBytes(StandardCharsets.UTF_8);
        u16(out, c.length);
        out.writeBytes(c);
        out.writeBytes(trailing);
        return out.toByteArray();
    }

    private static long or(Long override, long value) {
        return override != null ? override : value;
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xff);
        out.write((v >>> 8) & 0xff);
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        u32(out, v & 0xffffffffL);
        u32(out, v >>> 32);
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        u16(out, (int) (v & 0xffff));
        u16(out, (int) ((v >>> 16) & 0xffff));
    }
}
