package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.MetaPolicy;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.Sha256;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Selection} resolved against the store: the store entries to carry (generic, for bundles) and the same
 * content by kind (for the plain goproxy and oci-layout formats). Everything listed exists in the store at the
 * moment of selection; objects may still be evicted later, and writers report that per item.
 *
 * @param names       store names and the objects they point at, sorted by name
 * @param meta        metadata entries with how an import merges each, sorted by key
 * @param pins        pin sets holding selected objects (so the site keeps them pinned the same way)
 * @param goVersions  module versions, each with the files the store holds
 * @param sumdbs      checksum databases whose lookups or tiles were selected
 * @param images      repositories with their selected tags and content
 * @param notes       what the selection skipped and why (a pattern that matched nothing...)
 */
public record SelectedContent(
        List<NameEntry> names,
        List<MetaEntry> meta,
        List<PinEntry> pins,
        List<GoVersion> goVersions,
        List<SumdbContent> sumdbs,
        List<ImageRepository> images,
        List<String> notes) {
    public SelectedContent {
        names = List.copyOf(names);
        meta = List.copyOf(meta);
        pins = List.copyOf(pins);
        goVersions = List.copyOf(goVersions);
        sumdbs = List.copyOf(sumdbs);
        images = List.copyOf(images);
        notes = List.copyOf(notes);
    }

    public record NameEntry(String name, Sha256 object) {}

    public record MetaEntry(String key, byte[] value, MetaPolicy policy) {}

    public record PinEntry(String pinSet, Sha256 object) {}

    /** {@code files} maps info, mod, zip (those stored) to their store names. */
    public record GoVersion(ModulePath module, Version version, Map<String, String> files) {}

    /**
     * @param name     the database name (sum.golang.org)
     * @param lookups  lookup metadata keys of the selected versions
     * @param tiles    full tiles (store names) and partial tiles (metadata keys) of the database
     * @param latest   the metadata key of the last /latest note, when stored
     */
    public record SumdbContent(String name, List<String> lookups, List<String> tiles, String latest) {}

    /**
     * @param target     the store target key: {@code h} (hosted) or {@code m/<registry>}
     * @param repository the repository name as the target knows it
     * @param tags       tag to the manifest digest it points at
     * @param manifests  every manifest reachable from the tags (indexes, their children, referrers), with media type
     * @param blobs      every config and layer blob of those manifests
     */
    public record ImageRepository(
            String target,
            RepositoryName repository,
            Map<String, Digest> tags,
            Map<Digest, String> manifests,
            Set<Digest> blobs) {}
}
