package dev.ferry.sync.bundle;

import static dev.ferry.sync.bundle.BundleException.Kind.REFUSED;

import dev.ferry.protocols.bundle.BundleFormatException;
import dev.ferry.protocols.bundle.ManifestEntry;
import dev.ferry.protocols.bundle.VolumeReader;
import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a format-2 manifest's objects into chunks with places, as format 1 lists them, once the volumes were checked
 * whole against the manifest (so their record headers are the exporter's): each shipped chunk is the next bytes of
 * the volumes' records in order, a record holding exactly the chunks whose lengths fill it; a run is the chunks of
 * an object listed before (their places copied) or of one this site holds (by their digests in this store, or with
 * their bytes where the base keeps them inline). A manifest whose chunks do not fill the records exactly, or a run
 * naming chunks a base does not have here, refuses the bundle before anything is written. Objects are given one at
 * a time and their chunks go to {@link PlacedChunks} (scratch files): only the object being resolved is in memory.
 */
final class DeltaObjects implements AutoCloseable {
    private final String id;
    private final List<Path> volumeFiles;
    private final ChunkStore chunks;
    private final PlacedChunks placed;
    /** Objects resolved so far, by digest: their first chunk in {@link #placed} and their chunk count. */
    private final Map<String, Listed> listed = new HashMap<>();

    /** Bases' chunk lists lately named by runs, and the inline bytes they hold (kept below {@link #HELD_BYTES}). */
    private final Map<String, List<PlacedChunks.Entry>> held = new HashMap<>();

    private long heldInlineBytes;

    /** The most inline bytes the bases' chunk lists kept in {@link #held} may hold. */
    private static final long HELD_BYTES = 8L << 20;

    private int volume;
    private FileChannel channel;
    private VolumeReader reader;
    private VolumeReader.Header record;
    private int used;

    private record Listed(long first, int count) {}

    /** {@code volumeFiles} checked whole, in volume order; resolved chunks are appended to {@code placed}. */
    DeltaObjects(String id, List<Path> volumeFiles, ChunkStore chunks, PlacedChunks placed) {
        this.id = id;
        this.volumeFiles = volumeFiles;
        this.chunks = chunks;
        this.placed = placed;
    }

    /** Places the next object's chunks and appends them to the placed chunks. */
    void add(ManifestEntry.DeltaObject o) throws IOException, BundleException {
        List<PlacedChunks.Entry> cs;
        try {
            cs = resolve(o);
        } catch (BundleFormatException e) {
            throw new BundleException(REFUSED, "volume " + volume + " is damaged: " + e.getMessage(), e);
        }
        long first = placed.count();
        for (PlacedChunks.Entry c : cs) {
            placed.append(c);
        }
        listed.putIfAbsent(o.sha256(), new Listed(first, cs.size()));
    }

    /** Refuses volumes holding chunk bytes past the last chunk the manifest lists. */
    void finish() throws IOException, BundleException {
        try {
            if (record != null && used < record.rawLength() || nextRecord()) {
                throw damaged("its volumes hold chunk bytes past the last one the manifest lists");
            }
        } catch (BundleFormatException e) {
            throw new BundleException(REFUSED, "volume " + volume + " is damaged: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        closeVolume();
    }

    private List<PlacedChunks.Entry> resolve(ManifestEntry.DeltaObject o) throws IOException, BundleException {
        List<PlacedChunks.Entry> out = new ArrayList<>((int) Math.min(o.chunkCount(), 1 << 16));
        long size = 0;
        for (ManifestEntry.Part p : o.parts()) {
            switch (p) {
                case ManifestEntry.Shipped s -> out.add(new PlacedChunks.Entry(place(o, s.length())));
                case ManifestEntry.Held h ->
                    out.add(new PlacedChunks.Entry(ManifestEntry.Chunk.notShipped(h.sha256(), h.length())));
                case ManifestEntry.Run r -> {
                    if (r.object().equals(o.sha256())) {
                        checkRun(o, r, out.size());
                        out.addAll(List.copyOf(out.subList(r.first(), r.first() + r.count())));
                        continue;
                    }
                    Listed at = listed.get(r.object());
                    if (at != null) {
                        checkRun(o, r, at.count());
                        out.addAll(placed.read(at.first() + r.first(), r.count()));
                        continue;
                    }
                    List<PlacedChunks.Entry> base = heldChunksOf(r.object());
                    if (base == null) {
                        throw new BundleException(
                                REFUSED,
                                "the bundle relies on object sha256:" + r.object() + " which this site lacks; it was"
                                        + " cut from an inventory of another site or the content was evicted here;"
                                        + " export a full bundle");
                    }
                    checkRun(o, r, base.size());
                    out.addAll(List.copyOf(base.subList(r.first(), r.first() + r.count())));
                }
            }
        }
        for (PlacedChunks.Entry c : out) {
            size += c.chunk().length();
        }
        if (size != o.size()) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + id + ": the chunks of object " + o.sha256() + " add up to " + size + " bytes, not its "
                            + o.size() + " (its base objects are chunked differently here, or the manifest is wrong)");
        }
        return out;
    }

    private void checkRun(ManifestEntry.DeltaObject o, ManifestEntry.Run r, long baseSize) throws BundleException {
        if ((long) r.first() + r.count() > baseSize) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + id + ": object " + o.sha256() + " names chunks " + r.first() + " to "
                            + (r.first() + r.count() - 1) + " of object " + r.object() + ", which has "
                            + baseSize + " chunks here (chunked differently at the exporting site);"
                            + " export a full bundle");
        }
    }

    /**
     * The chunks of an object this store holds, with their bytes where it keeps them inline (no other way to them);
     * null when it does not hold the object.
     */
    private List<PlacedChunks.Entry> heldChunksOf(String object) {
        List<PlacedChunks.Entry> cs = held.get(object);
        if (cs == null) {
            Optional<List<StoredChunk>> stored = chunks.chunksOf(Sha256.ofHex(object));
            if (stored.isEmpty()) {
                return null;
            }
            cs = new ArrayList<>(stored.get().size());
            long inlineBytes = 0;
            for (StoredChunk c : stored.get()) {
                cs.add(new PlacedChunks.Entry(
                        ManifestEntry.Chunk.notShipped(c.digest().hex(), c.length()), c.inline()));
                inlineBytes += c.isInline() ? c.length() : 0;
            }
            if (held.size() > 64 || heldInlineBytes + inlineBytes > HELD_BYTES) {
                // runs name a few bases at a time; keep memory flat
                held.clear();
                heldInlineBytes = 0;
            }
            held.put(object, cs);
            heldInlineBytes += inlineBytes;
        }
        return cs;
    }

    /** The place of the next shipped chunk: the next bytes of the current record, or the start of the next one. */
    private ManifestEntry.Chunk place(ManifestEntry.DeltaObject o, int length) throws IOException, BundleException {
        if ((record == null || used == record.rawLength()) && !nextRecord()) {
            throw damaged(
                    "its manifest lists more shipped chunk bytes than its volumes hold (object " + o.sha256() + ")");
        }
        if (used + length > record.rawLength()) {
            throw damaged("a shipped chunk of object " + o.sha256() + " (" + length + " bytes) runs past the end of"
                    + " the record at offset " + record.offset() + " of volume " + volume);
        }
        ManifestEntry.Chunk c = new ManifestEntry.Chunk(null, length, volume, record.offset(), used);
        used += length;
        return c;
    }

    /** Moves to the next record, opening the next volume when one ends; false after the last. */
    private boolean nextRecord() throws IOException {
        long at = record == null ? -1 : record.next();
        while (reader == null || at >= reader.recordsEnd()) {
            closeVolume();
            if (volume == volumeFiles.size()) {
                record = null;
                return false;
            }
            volume++;
            channel = FileChannel.open(volumeFiles.get(volume - 1), StandardOpenOption.READ);
            reader = new VolumeReader(channel, id, volume, volumeFiles.size());
            at = reader.firstRecord();
        }
        record = reader.header(at);
        used = 0;
        return true;
    }

    private void closeVolume() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        reader = null;
    }

    private BundleException damaged(String what) {
        return new BundleException(REFUSED, "bundle " + id + " is damaged: " + what);
    }
}
