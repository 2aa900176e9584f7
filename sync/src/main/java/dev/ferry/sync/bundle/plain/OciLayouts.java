package dev.ferry.sync.bundle.plain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.sync.bundle.BundleProgressSink;
import dev.ferry.sync.bundle.SelectedContent;
import dev.ferry.sync.bundle.SelectedContent.ImageRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Writes selected repositories as OCI image layouts (image-spec layout 1.0.0) that skopeo and podman read:
 * {@code DIR/<registry>/<repository>/} with oci-layout, index.json (one entry per tag, named by the
 * {@code org.opencontainers.image.ref.name} annotation) and blobs/<alg>/<hex>.
 *
 * <p>{@code <registry>} is the mirrored registry's name (ferry's registry names have no ':', which skopeo's
 * {@code oci:PATH:TAG} could not take in a path), or {@code hosted} for ferry's own repositories. Blobs
 * already present with the right size are not written again, so a rerun completes an interrupted export.
 */
public final class OciLayouts {
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private OciLayouts() {}

    /** The layout directory of a repository, relative to the export directory. */
    public static Path layoutDir(Path dir, ImageRepository repo) {
        return dir.resolve(targetDir(repo)).resolve(repo.repository().value());
    }

    private static String targetDir(ImageRepository repo) {
        return repo.target().equals(OciStoreNames.Target.HOSTED.key())
                ? "hosted"
                : repo.target().substring(2);
    }

    public static void write(NamedObjectStore store, SelectedContent content, Path dir, BundleProgressSink progress)
            throws IOException {
        long bytes = 0;
        long items = 0;
        for (ImageRepository repo : content.images()) {
            for (Digest d : digests(repo)) {
                bytes += store.resolve(OciStoreNames.blob(d))
                        .map(StoredObject::size)
                        .orElse(0L);
                items++;
            }
        }
        progress.phase("writing", bytes, items);
        PlainFiles files = new PlainFiles(dir);
        files.mark();
        for (ImageRepository repo : content.images()) {
            // the repository name follows the OCI grammar (no '.' or '..' element), the target a registry name's
            writeOne(
                    store,
                    files,
                    repo,
                    List.of(targetDir(repo), repo.repository().value()),
                    progress);
        }
    }

    /**
     * The media type an index.json entry gives a tagged manifest. containers/image (skopeo, podman; 1.9.3 in Debian
     * 12 checked) finds a tag only among entries typed as an OCI manifest or index and skips Docker schema2 types,
     * so a Docker manifest (list) is listed under its OCI counterpart, which has the same structure; the blob keeps
     * its bytes, so the digest, and what a copy pushes, is unchanged.
     */
    static String indexEntryType(String mediaType) {
        return switch (MediaTypes.essence(mediaType)) {
            case MediaTypes.DOCKER_MANIFEST -> MediaTypes.OCI_MANIFEST;
            case MediaTypes.DOCKER_MANIFEST_LIST -> MediaTypes.OCI_INDEX;
            default -> mediaType;
        };
    }

    private static Set<Digest> digests(ImageRepository repo) {
        Set<Digest> all = new LinkedHashSet<>(repo.blobs());
        all.addAll(repo.manifests().keySet());
        return all;
    }

    private static void writeOne(
            NamedObjectStore store,
            PlainFiles files,
            ImageRepository repo,
            List<String> layout,
            BundleProgressSink progress)
            throws IOException {
        String what = repo.target() + "/" + repo.repository();
        Set<Digest> written = new LinkedHashSet<>();
        for (Digest d : digests(repo)) {
            progress.checkCancelled();
            Optional<StoredObject> o = store.resolve(OciStoreNames.blob(d));
            if (o.isEmpty()) {
                progress.note(what + ": " + d + " is no longer stored (evicted since selection?), not written");
                continue;
            }
            Path file = blob(files, layout, d);
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    && Files.size(file) == o.get().size()) {
                progress.bytes(o.get().size());
            } else {
                try {
                    files.copy(store, o.get(), file, progress);
                } catch (NoSuchElementException e) {
                    progress.note(what + ": " + d + " was deleted while being written, not written");
                    continue;
                }
            }
            written.add(d);
            progress.item(what + "@" + d);
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (var tag : repo.tags().entrySet()) {
            Digest d = tag.getValue();
            String mediaType = repo.manifests().get(d);
            if (mediaType == null || !written.contains(d)) {
                progress.note(what + ":" + tag.getKey() + ": manifest " + d + " is not stored; tag left out");
                continue;
            }
            ObjectNode entry = manifests.addObject();
            entry.put("mediaType", indexEntryType(mediaType));
            entry.put("digest", d.toString());
            entry.put("size", Files.size(blob(files, layout, d)));
            entry.putObject("annotations").put(REF_NAME, tag.getKey());
        }
        files.write(
                files.file(with(layout, "oci-layout")),
                "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        // Last: until index.json is there, the directory is no layout a tool would read.
        files.write(files.file(with(layout, "index.json")), JSON.writeValueAsBytes(index));
    }

    private static Path blob(PlainFiles files, List<String> layout, Digest d) throws IOException {
        return files.file(with(layout, "blobs", d.algorithm(), d.hex()));
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
