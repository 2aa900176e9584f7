package dev.ferry.server.admin;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.ImageRef;
import dev.ferry.sync.PinSink;
import dev.ferry.sync.Platforms;
import dev.ferry.sync.PrewarmItem;
import dev.ferry.sync.StoredContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What prewarm stored, as pinned objects: turns {@link StoredContent} into store objects (a Go file by its name, an
 * OCI manifest or blob by its digest's name) and adds them to the store's pin sets ({@link ContentStore#pin}), which
 * eviction honours: an object stays while any set holds it. Also the one place that spells the pin set names of
 * the admin API and the items {@code ferry pin} takes:
 * <pre>
 *   prewarm:KEY        what a prewarm job stored for one item
 *   mirror-set:NAME    what the runs of a registered mirror set stored
 *   pin:KEY            ferry pin KEY
 * </pre>
 * The mirror pins beside these, in the commit batch of what it stores: {@code hosted:REPOSITORY} for what a
 * hosted repository links, {@code private} for private modules' files.
 * KEY is {@code MODULE@VERSION} for Go files (one key for the .info, .mod and .zip of a version) and
 * {@code REGISTRY/REPOSITORY:TAG} or {@code ...@DIGEST} for images, the registry filled in with the default one.
 */
public final class StorePins {
    public static final String PREWARM = "prewarm:";
    public static final String MIRROR_SET = "mirror-set:";
    public static final String MANUAL = "pin:";

    private final ContentStore store;
    private final String defaultRegistry;

    /** @param defaultRegistry the registry of references that name none, or null */
    public StorePins(ContentStore store, String defaultRegistry) {
        this.store = Objects.requireNonNull(store, "store");
        this.defaultRegistry = defaultRegistry;
    }

    /** Empties {@code pinSet}; returns how many objects it held. */
    public long unpinAll(String pinSet) throws IOException {
        return store.unpinAll(pinSet);
    }

    /**
     * Every pin set with its object count and bytes, in name order. Reads each pinned object's record (an admin
     * listing, not a hot path).
     */
    public List<PinSet> sets() {
        List<String> names = new ArrayList<>();
        store.scanPinSets("", names::add);
        List<PinSet> out = new ArrayList<>();
        for (String name : names) {
            long[] n = new long[2];
            store.scanPinSet(name, digest -> {
                n[0]++;
                n[1] += store.object(digest).map(StoredObject::size).orElse(0L);
                return true;
            });
            out.add(new PinSet(name, n[0], n[1]));
        }
        return out;
    }

    /** Pin sets, and distinct pinned objects and their bytes (an object in several sets counts once). */
    public Totals totals(dev.ferry.storage.StoreStats stats) {
        long[] sets = new long[1];
        store.scanPinSets("", name -> {
            sets[0]++;
            return true;
        });
        return new Totals(sets[0], stats.pinnedObjects(), stats.pinnedBytes());
    }

    public record PinSet(String name, long objects, long bytes) {}

    public record Totals(long sets, long objects, long bytes) {}

    /** The pin sink of ad-hoc prewarm jobs: each item's content into {@code prewarm:KEY}. */
    public PinSink prewarmSink() {
        return sink(item -> PREWARM + key(item));
    }

    /** The pin sink of a registered mirror set's runs: everything into {@code mirror-set:NAME}. */
    public PinSink mirrorSetSink(String name) {
        return sink(item -> MIRROR_SET + name);
    }

    public PinSink sink(Function<PrewarmItem, String> setOf) {
        return (item, stored) -> {
            try {
                pinStored(setOf.apply(item), stored);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** Pins every object of {@code stored} that is in the store into {@code pinSet}; returns [objects, bytes]. */
    public long[] pinStored(String pinSet, List<StoredContent> stored) throws IOException {
        long objects = 0;
        long bytes = 0;
        for (StoredContent c : stored) {
            Optional<StoredObject> o = object(c);
            if (o.isPresent()) {
                try {
                    store.pin(pinSet, o.get().digest());
                } catch (IllegalArgumentException gone) {
                    // Evicted between its commit and now (a quota too small for what is being prewarmed): nothing
                    // to pin; a rerun fetches it again.
                    System.getLogger(StorePins.class.getName())
                            .log(
                                    System.Logger.Level.WARNING,
                                    o.get().digest() + " was evicted before it could be pinned in " + pinSet
                                            + "; is the quota too small?");
                    continue;
                }
                objects++;
                bytes += o.get().size();
            }
        }
        return new long[] {objects, bytes};
    }

    private Optional<StoredObject> object(StoredContent c) {
        return switch (c) {
            case StoredContent.GoFile f -> {
                if (f.sha256() != null && f.sha256().length() == 64) {
                    Optional<StoredObject> o = store.object(Sha256.ofHex(f.sha256()));
                    if (o.isPresent()) {
                        yield o;
                    }
                }
                yield store.resolve(
                        GoStoreNames.file(f.module(), f.version(), f.ext().text()));
            }
            case StoredContent.OciContent o -> store.resolve(OciStoreNames.blob(o.digest()));
        };
    }

    /** The key of an item in pin set names. */
    public String key(PrewarmItem item) {
        return switch (item) {
            case PrewarmItem.GoFile f -> f.module() + "@" + f.version();
            case PrewarmItem.Image i ->
                new ImageRef(i.registry() == null ? defaultRegistry : i.registry(), i.repository(), i.reference())
                        .toString();
        };
    }

    /**
     * An item of {@code ferry pin}: {@code MODULE@VERSION} (an '@' and no ':'; the version canonical) or an image
     * reference. Throws FormatException with the reason when it is neither.
     */
    public List<PrewarmItem> parseItem(String text, Platforms platforms) {
        String s = text == null ? "" : text.strip();
        int at = s.lastIndexOf('@');
        if (at > 0 && s.indexOf(':') < 0) {
            ModulePath module = ModulePath.parse(s.substring(0, at));
            String v = s.substring(at + 1);
            if (!Version.isValid(v) || !Version.parse(v).isCanonical()) {
                throw new FormatException(FormatException.quote(v) + " is not a canonical version (want vX.Y.Z)");
            }
            Version version = Version.parse(v);
            module.checkMajor(version);
            List<PrewarmItem> out = new ArrayList<>();
            for (PrewarmItem.Ext ext : PrewarmItem.Ext.values()) {
                out.add(new PrewarmItem.GoFile(module, version, ext));
            }
            return out;
        }
        ImageRef r = ImageRef.parse(s);
        return List.of(new PrewarmItem.Image(r.registry(), r.repository(), r.reference(), platforms));
    }
}
