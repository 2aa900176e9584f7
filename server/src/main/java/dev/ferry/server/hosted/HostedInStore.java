package dev.ferry.server.hosted;

import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.NameStore;
import dev.ferry.storage.PinStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Hosted repositories the store holds whether or not this ferry hosts their prefix: at a disconnected site, the
 * ones that came in a bundle from a site that hosts them. Without {@code --hosted} for their prefix a pull of
 * one is routed to a mirror, which cannot have it; this says where it came from instead.
 */
public final class HostedInStore {
    /** Tags looked at to find the bundles a repository came in (each tag is a lookup and a pin scan). */
    private static final int TAGS_LOOKED_AT = 20;
    /** The pin set an import keeps a bundle's objects in, followed by the bundle id (see the bundle importer). */
    private static final String BUNDLE_PIN_PREFIX = "bundle:";

    private final NameStore names;
    private final PinStore pins;

    public <S extends NameStore & PinStore> HostedInStore(S store) {
        this.names = store;
        this.pins = store;
    }

    /** A stored hosted repository and the bundles its tagged manifests came in (empty when none is known). */
    public record Holding(RepositoryName repository, List<String> bundles) {}

    public Optional<Holding> find(RepositoryName repository) {
        OciStoreNames.Target hosted = OciStoreNames.Target.HOSTED;
        if (names.meta(OciStoreNames.repository(hosted, repository)).isEmpty()) {
            return Optional.empty();
        }
        TreeSet<String> bundles = new TreeSet<>();
        List<OciStoreNames.TagRecord> tags = new ArrayList<>();
        names.scanMeta(OciStoreNames.tagPrefix(hosted, repository), (key, value) -> {
            try {
                tags.add(OciStoreNames.TagRecord.decode(value));
            } catch (RuntimeException e) {
                // an unreadable record names no manifest
            }
            return tags.size() < TAGS_LOOKED_AT;
        });
        for (OciStoreNames.TagRecord t : tags) {
            names.resolve(OciStoreNames.blob(t.digest()))
                    .ifPresent(o -> pins.pinSetsOf(o.digest()).stream()
                            .filter(s -> s.startsWith(BUNDLE_PIN_PREFIX))
                            .forEach(s -> bundles.add(s.substring(BUNDLE_PIN_PREFIX.length()))));
        }
        return Optional.of(new Holding(repository, List.copyOf(bundles)));
    }
}
