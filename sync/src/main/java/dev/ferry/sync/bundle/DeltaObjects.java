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
 * an object listed before (their places copied) or of one this site holds (by their digests in this store). A
 * manifest whose chunks do not fill the records exactly, or a run naming chunks a base does not have here, refuses
 * the bundle before anything is written.
 */
final class DeltaObjects {
    private final String id;
    private final List<Path> volumeFiles;
    private final ChunkStore chunks;
    private final Map<String, Integer> listed = new HashMap<>();
    private final List<ManifestEntry.StoreObject> resolved = new ArrayList<>();
    private final Map<String, List<ManifestEntry.Chunk>> held = new HashMap<>();

    private int volume;
    private FileChannel channel;
    private VolumeReader reader;
    private VolumeReader.Header record;
    private int used;

    private DeltaObjects(String id, List<Path> volumeFiles, ChunkStore chunks) {
        this.id = id;
        this.volumeFiles = volumeFiles;
        this.chunks = chunks;
    }

    /** The objects with their chunks placed; {@code volumeFiles} checked whole, in volume order. */
    static List<ManifestEntry.StoreObject> resolve(
            String id, List<ManifestEntry.DeltaObject> objects, List<Path> volumeFiles, ChunkStore chunks)
            throws IOException, BundleException {
        DeltaObjects d = new DeltaObjects(id, volumeFiles, chunks);
        try {
            for (ManifestEntry.DeltaObject o : objects) {
                d.resolved.add(d.resolve(o));
                d.listed.putIfAbsent(o.sha256(), d.resolved.size() - 1);
            }
            if (d.record != null && d.used < d.record.rawLength() || d.nextRecord()) {
                throw d.damaged("its volumes hold chunk bytes past the last one the manifest lists");
            }
        } catch (BundleFormatException e) {
            throw new BundleException(REFUSED, "volume " + d.volume + " is damaged: " + e.getMessage(), e);
        } finally {
            d.closeVolume();
        }
        return d.resolved;
    }

    private ManifestEntry.StoreObject resolve(ManifestEntry.DeltaObject o) throws IOException, BundleException {
        List<ManifestEntry.Chunk> out = new ArrayList<>((int) Math.min(o.chunkCount(), 1 << 16));
        long size = 0;
        for (ManifestEntry.Part p : o.parts()) {
            switch (p) {
                case ManifestEntry.Shipped s -> out.add(place(o, s.length()));
                case ManifestEntry.Held h -> out.add(ManifestEntry.Chunk.notShipped(h.sha256(), h.length()));
                case ManifestEntry.Run r -> {
                    List<ManifestEntry.Chunk> base = r.object().equals(o.sha256()) ? out : chunksOf(r.object());
                    if (base == null) {
                        throw new BundleException(
                                REFUSED,
                                "the bundle relies on object sha256:" + r.object() + " which this site lacks; it was"
                                        + " cut from an inventory of another site or the content was evicted here;"
                                        + " export a full bundle");
                    }
                    if ((long) r.first() + r.count() > base.size()) {
                        throw new BundleException(
                                REFUSED,
                                "bundle " + id + ": object " + o.sha256() + " names chunks " + r.first() + " to "
                                        + (r.first() + r.count() - 1) + " of object " + r.object() + ", which has "
                                        + base.size() + " chunks here (chunked differently at the exporting site);"
                                        + " export a full bundle");
                    }
                    out.addAll(List.copyOf(base.subList(r.first(), r.first() + r.count())));
                }
            }
        }
        for (ManifestEntry.Chunk c : out) {
            size += c.length();
        }
        if (size != o.size()) {
            throw new BundleException(
                    REFUSED,
                    "bundle " + id + ": the chunks of object " + o.sha256() + " add up to " + size + " bytes, not its "
                            + o.size() + " (its base objects are chunked differently here, or the manifest is wrong)");
        }
        return new ManifestEntry.StoreObject(o.sha256(), o.size(), out);
    }

    /** The chunks of an object listed before, or of one this store holds; null when neither. */
    private List<ManifestEntry.Chunk> chunksOf(String object) {
        Integer at = listed.get(object);
        if (at != null) {
            return resolved.get(at).chunks();
        }
        List<ManifestEntry.Chunk> cs = held.get(object);
        if (cs == null) {
            Optional<List<StoredChunk>> stored = chunks.chunksOf(Sha256.ofHex(object));
            if (stored.isEmpty()) {
                return null;
            }
            cs = new ArrayList<>(stored.get().size());
            for (StoredChunk c : stored.get()) {
                cs.add(ManifestEntry.Chunk.notShipped(c.digest().hex(), c.length()));
            }
            if (held.size() > 64) {
                held.clear(); // runs name a few bases at a time; keep memory flat
            }
            held.put(object, cs);
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
